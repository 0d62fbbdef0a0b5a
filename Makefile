# The two commands of the README. Both do all set-up on a fresh Debian 12 machine (as root).
.PHONY: run test setup openapi clients fmt lint bench

run:            ## run lbaas: PostgreSQL, API on 127.0.0.1:8080, controller, healthcheckd
	./scripts/run.sh

test:           ## every test: unit, DB, router, end-to-end, OpenAPI check, schema fuzz
	./scripts/test.sh

setup:
	./scripts/setup.sh --test

openapi:        ## regenerate openapi/lbaas.json from the code
	cargo run -q -p lbaas-api -- openapi > openapi/lbaas.json

clients:        ## regenerate clients/python, clients/typescript and openapi/lbaas-3.0.json (clients/rust's input)
	./scripts/setup.sh --test
	./scripts/clients.sh

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

bench:
	./bench/api.sh
