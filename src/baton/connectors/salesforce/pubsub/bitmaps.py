"""Change-event bitmap fields (pure): ``changedFields``, ``diffFields``, ``nulledFields``.

They arrive as bitmaps, not names (Salesforce, "Event Deserialization
Considerations"): a list of strings whose first element ``0x…`` is a hex
bitmap over the top-level fields of the event's Avro schema (bit *i*,
counted from the least significant bit, set: field *i* of the record), and
further elements ``<i>-0x…`` a bitmap over the fields of the compound field
at position *i* (names ``Parent.Child``). The bit order follows
forcedotcom/pub-sub-api's ``ChangeEventHeaderUtility`` (hex → bits,
reversed). :func:`field_names` expands them; :func:`bitmap` is its inverse
(the sandbox encodes with it). Bits past the schema's fields are ignored.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["bitmap", "field_names"]


def _named(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    names: dict[str, Mapping[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict) and node.get("type") == "record":
            names[str(node["name"])] = node
            for f in node.get("fields", []):
                walk(f["type"])

    walk(schema)
    return names


def _record_type(node: Any, names: Mapping[str, Mapping[str, Any]]) -> Any:
    """The record inside a field type (``["null", {record}]`` or a name)."""
    for option in node if isinstance(node, list) else [node]:
        if isinstance(option, str) and option in names:
            return names[option]
        if isinstance(option, dict) and option.get("type") == "record":
            return option
    return None


def _bits(hex_text: str, fields: Sequence[Mapping[str, Any]]) -> list[str]:
    value = int(hex_text.removeprefix("0x").removeprefix("0X") or "0", 16)
    return [str(f["name"]) for i, f in enumerate(fields) if value >> i & 1]


def field_names(schema: Mapping[str, Any], bitmaps: Iterable[str]) -> tuple[str, ...]:
    """The field names a ``changedFields``-style bitmap list stands for.

    Raises:
        ValueError: an element that is not ``0x<hex>`` or ``<pos>-0x<hex>``.
    """
    fields = schema["fields"]
    names = _named(schema)
    out: list[str] = []
    for item in bitmaps:
        pos, sep, hex_text = item.partition("-")
        if not sep:
            out.extend(_bits(item, fields))
            continue
        parent = fields[int(pos)]
        child = _record_type(parent["type"], names)
        if child is None:
            raise ValueError(f"field {parent['name']} of bitmap {item} is not compound")
        out.extend(f"{parent['name']}.{n}" for n in _bits(hex_text, child["fields"]))
    return tuple(out)


def _hex(positions: Iterable[int]) -> str:
    value = sum(1 << p for p in set(positions))
    width = max(1, (value.bit_length() + 7) // 8) * 2
    return f"0x{value:0{width}X}"


def bitmap(schema: Mapping[str, Any], field_list: Iterable[str]) -> list[str]:
    """The bitmap list for ``field_list`` (``Parent.Child`` for compound parts).

    Raises:
        KeyError: a name the schema does not have.
    """
    fields = schema["fields"]
    names = _named(schema)
    index = {str(f["name"]): i for i, f in enumerate(fields)}
    top: list[int] = []
    nested: dict[int, list[int]] = defaultdict(list)
    for name in field_list:
        parent, dot, child = name.partition(".")
        if not dot:
            top.append(index[name])
            continue
        pos = index[parent]
        record = _record_type(fields[pos]["type"], names)
        if record is None:
            raise KeyError(name)
        children = [str(f["name"]) for f in record["fields"]]
        if child not in children:
            raise KeyError(name)
        nested[pos].append(children.index(child))
    out = [_hex(top)] if top else []
    out.extend(f"{pos}-{_hex(bits)}" for pos, bits in sorted(nested.items()))
    return out
