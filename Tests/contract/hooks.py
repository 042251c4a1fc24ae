"""Schemathesis hooks for the hub (Tests/contract/schemathesis.sh loads them).

A list's `cursor` is opaque: only the hub makes one, from the page it served. The generator
can only make up strings of the documented alphabet, which the hub rightly refuses with 400
(`cursor` not recognised, ContractEdgesTests). Such a made-up cursor is removed, so the
case asks for the first page; a cursor outside the alphabet (empty, `+`, `/`…) is kept, and
must still be refused.
"""
import json
import re

import schemathesis

DOCUMENTED_CURSOR = re.compile(r"[A-Za-z0-9_-]+")


@schemathesis.hook
def map_case(context, case):
    query = case.query
    if isinstance(query, dict):
        cursor = query.get("cursor")
        if isinstance(cursor, str) and DOCUMENTED_CURSOR.fullmatch(cursor):
            del query["cursor"]
    return case


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """An import file (`importCaseload`): the generated string as its bytes, or any other
    generated value as one JSON line."""
    if isinstance(value, bytes):
        return {"data": value}
    if isinstance(value, str):
        return {"data": value.encode("utf-8")}
    return {"data": (json.dumps(value) + "\n").encode("utf-8")}
