#!/usr/bin/env python3
"""Finishes @apiture/openapi-down-convert's OpenAPI 3.0 rendition of openapi/lbaas.json for
progenitor: utoipa writes an optional reference as `oneOf: [{type: null}, {$ref}]` (3.1), which
the converter leaves as is and progenitor cannot read; in 3.0 it is `allOf: [{$ref}]` with
`nullable: true`. Reads and writes the file given, in place."""
import json
import sys


def fix(o):
    if isinstance(o, dict):
        one = o.get("oneOf")
        if isinstance(one, list) and any(x == {"type": "null"} for x in one):
            rest = [x for x in one if x != {"type": "null"}]
            del o["oneOf"]
            if len(rest) == 1:
                o["allOf"] = rest
            else:
                o["oneOf"] = rest
            o["nullable"] = True
        for v in o.values():
            fix(v)
    elif isinstance(o, list):
        for v in o:
            fix(v)


path = sys.argv[1]
spec = json.load(open(path))
fix(spec)
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
