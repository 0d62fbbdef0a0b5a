#!/usr/bin/env bash
# The generated API clients, from openapi/lbaas.json, with pinned generators:
#   scripts/clients.sh            regenerate clients/python, clients/typescript/src/schema.d.ts and
#                                 openapi/lbaas-3.0.json (what clients/rust is built from)
#   scripts/clients.sh check      regenerate into a scratch dir and fail if the committed ones differ
# Python: openapi-python-client 0.29.1 (in the test venv, installed by setup.sh --test).
# TypeScript: openapi-typescript 7.13.0 (+ openapi-fetch 0.17.0 at run time), from npm.
# Rust: progenitor 0.11 in clients/rust/build.rs reads OpenAPI 3.0 only; utoipa writes 3.1, so
# @apiture/openapi-down-convert 0.14.2 (npm) and scripts/openapi-3.0.py make the 3.0 rendition.
source "$(dirname "$0")/lib.sh"
VENV="$(realpath -m "${LBAAS_VENV:-$STATE/venv}")"
mode="${1:-generate}"
out="$ROOT/clients"
if [ "$mode" = check ]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    mkdir -p "$out/typescript/src" "$out/openapi"
fi
spec30="$ROOT/openapi/lbaas-3.0.json"
[ "$mode" = check ] && spec30="$out/openapi/lbaas-3.0.json"

# Python. ruff (on PATH) formats the output, so it is the same on every machine.
PATH="$VENV/bin:$PATH" openapi-python-client generate --path "$ROOT/openapi/lbaas.json" \
    --output-path "$out/python" --meta setup --config "$ROOT/clients/python-config.yaml" \
    --overwrite >/dev/null
rm -rf "$out/python/.ruff_cache"

# TypeScript: types only; openapi-fetch is the (tiny, generic) client that uses them.
TS="$ROOT/clients/typescript"
[ -x "$TS/node_modules/.bin/openapi-typescript" ] || (cd "$TS" && npm ci --silent --no-audit --no-fund)
"$TS/node_modules/.bin/openapi-typescript" "$ROOT/openapi/lbaas.json" \
    -o "$out/typescript/src/schema.d.ts" >/dev/null 2>&1

# The OpenAPI 3.0 rendition for progenitor.
"$TS/node_modules/.bin/openapi-down-convert" --input "$ROOT/openapi/lbaas.json" --output "$spec30"
python3 "$ROOT/scripts/openapi-3.0.py" "$spec30"

if [ "$mode" = check ]; then
    diff -r -q -x __pycache__ -x '*.egg-info' -x build "$ROOT/clients/python" "$out/python" &&
        diff -q "$ROOT/clients/typescript/src/schema.d.ts" "$out/typescript/src/schema.d.ts" &&
        diff -q "$ROOT/openapi/lbaas-3.0.json" "$spec30" || {
        echo "clients are stale: run \`make clients\` and commit the result" >&2
        exit 1
    }
    echo "clients: generated code is current"
fi
