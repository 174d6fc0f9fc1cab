"""Validate bodies against the vendors' published OpenAPI specs.

The specs stay in ``../shared/vendor-specs`` (read, never copied: see its
SOURCES.md); ``BATON_VENDOR_SPECS`` points elsewhere. OpenAPI 3.0 schemas
are JSON Schema draft 4 plus ``nullable``, which is rewritten to a union
with ``null`` before validating.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPECS = Path(
    os.environ.get(
        "BATON_VENDOR_SPECS",
        Path(__file__).resolve().parents[2].parent / "shared" / "vendor-specs",
    )
)


@functools.cache
def load(relpath: str) -> dict[str, Any]:
    """A vendor spec, parsed (``relpath`` relative to the specs folder)."""
    with (SPECS / relpath).open(encoding="utf-8") as f:
        doc: dict[str, Any] = yaml.safe_load(f)
    return _nullable(doc)


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if out.pop("nullable", False) is True:
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The spec's operation object for ``method path`` (raises KeyError)."""
    op: dict[str, Any] = spec["paths"][path][method.lower()]
    return op


def response_schema(
    spec: dict[str, Any], path: str, method: str, status: int | str = 200
) -> dict[str, Any]:
    """The JSON schema of a documented response."""
    responses = operation(spec, path, method)["responses"]
    resp = responses.get(str(status)) or responses.get(status) or responses["default"]
    resp = _deref(spec, resp)
    schema: dict[str, Any] = resp["content"]["application/json"]["schema"]
    return schema


def request_schema(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The JSON schema of a documented request body."""
    body = _deref(spec, operation(spec, path, method)["requestBody"])
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


def _deref(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validate(spec: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    """Validate ``instance`` against ``schema`` (refs resolved in ``spec``).

    Raises:
        jsonschema.ValidationError: the instance breaks the vendor's contract.
    """
    root = copy.copy(spec)
    root["x-baton-target"] = schema
    jsonschema.Draft4Validator({**root, "$ref": "#/x-baton-target"}).validate(instance)
