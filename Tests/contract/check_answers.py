#!/usr/bin/env python3
"""Checks every answer the Swift test suite received against the OpenAPI document (issue 16).

    python3 Tests/contract/check_answers.py Sources/Hub/Resources/openapi.json ANSWERS.jsonl

ANSWERS.jsonl is written by the tests (Tests/HubTests/Support/ContractRecorder.swift): one line
per answer, {method, path, status, contentType, body}. Each answer must belong to an operation
of the document (its path template and method), have a status the operation documents (or a
`default`), the documented media type, and a body valid against that response's schema
(JSON Schema 2020-12 as OpenAPI 3.1 uses it, checked by openapi-schema-validator from PyPI, the
validator openapi-core itself uses). Prints each distinct mismatch once with how many answers
showed it, and exits 1 if there is any.
"""

import collections
import json
import re
import sys

from openapi_schema_validator import OAS31Validator


def operations(document):
    """(method, compiled path regex, template, operation) for every operation, literal paths first."""
    found = []
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                found.append((method, re.compile(pattern), template, operation))
    # A literal segment beats a parameter (/v1/sessions/current before /v1/sessions/{sessionId}).
    found.sort(key=lambda entry: entry[2].count("{"))
    return found


def resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    document = json.load(open(sys.argv[1], encoding="utf-8"))
    table = operations(document)
    mismatches = collections.Counter()
    examples = {}
    total = 0
    pages = 0
    for line in open(sys.argv[2], encoding="utf-8"):
        answer = json.loads(line)
        total += 1
        method, path, status = answer["method"], answer["path"], answer["status"]
        if method == "head":
            method = "get"  # HEAD is GET without its body
        match = next(((t, o) for m, rx, t, o in table if m == method and rx.match(path)), None)
        if match is None and not path.startswith(("/v1/", "/health", "/openapi")) and path != "/v1":
            # The console's pages (issue 20) are HTML for browsers, not operations of the API.
            pages += 1
            continue
        if match is None:
            # Unknown routes and methods: the hub's 404 and 405 problems, for any path.
            if status in (404, 405) and answer["contentType"] == "application/problem+json":
                continue
            if method == "options" and status == 204:
                continue
            key = f"{method.upper()} {path}: no operation in the document"
            mismatches[key] += 1
            continue
        template, operation = match
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        where = f"{method.upper()} {template} → {status}"
        if response is None:
            if status == 405:  # documented once, for every path (the document's Erreurs section)
                continue
            mismatches[f"{where}: status not documented"] += 1
            examples.setdefault(f"{where}: status not documented", answer["body"][:300])
            continue
        response = resolve(document, response)
        content = response.get("content")
        body = answer["body"]
        if not content:
            if body:
                mismatches[f"{where}: a body where the document has none"] += 1
            continue
        media = answer["contentType"].split(";")[0].strip()
        if media not in content:
            mismatches[f"{where}: media type {media or '(none)'} not documented ({', '.join(content)})"] += 1
            continue
        if answer.get("method") == "head" or "json" not in media:
            continue
        schema = content[media].get("schema")
        if schema is None:
            continue
        try:
            value = json.loads(body)
        except ValueError:
            mismatches[f"{where}: body is not JSON"] += 1
            continue
        # The response's schema as the root, with the document's components beside it, so that
        # its "#/components/…" references resolve.
        validator = OAS31Validator({**schema, "components": document["components"]})
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            error = errors[0]
            location = "/".join(str(p) for p in error.absolute_path) or "(body)"
            key = f"{where}: {location}: {error.message[:160]}"
            mismatches[key] += 1
            examples.setdefault(key, body[:300])
    print(f"check_answers: {total - pages} answers checked against {len(table)} operations "
          f"({pages} answers of the console's pages left out)")
    for key, count in sorted(mismatches.items()):
        print(f"  MISMATCH ×{count}: {key}")
        if key in examples:
            print(f"      e.g. {examples[key]}")
    if mismatches:
        print(f"check_answers: {sum(mismatches.values())} answers do not match the document "
              f"({len(mismatches)} distinct)")
        return 1
    print("check_answers: every answer matches the document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
