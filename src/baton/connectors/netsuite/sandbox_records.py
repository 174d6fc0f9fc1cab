"""The sandbox's SuiteQL subset and its checks of transaction bodies.

SuiteQL understood (case-insensitive, whitespace-free literals)::

    SELECT <col | TO_CHAR(<col>, '<fmt>') AS <alias>>, … FROM <table>
      [WHERE <cond> [AND <cond>]…] [ORDER BY <col>, …]

    cond: externalid = '<text>'
        | lastmodifieddate > TO_TIMESTAMP('YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD HH24:MI:SS')

Every stored column comes back (lower-case, references as ids) plus the
``TO_CHAR`` aliases; ``<fmt>`` may use ``YYYY MM DD HH24 MI SS "T"``. Stored
timestamps are the account's local time, ISO 8601 (``2026-01-05T10:00:00Z``
or without ``Z``), as :meth:`~.sandbox.NetSuiteSandbox.seed` stores them.

Transactions (``salesOrder``, ``invoice``, ``purchaseOrder``) need an
``entity`` that exists (a customer, or a vendor for a purchase order; by
``id`` or ``externalId``), a ``tranDate`` and at least one ``item`` line with
an ``item`` and a numeric ``amount``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ENTITY_TABLE", "Query", "check_transaction", "parse_query", "row_of"]

#: transaction record type (lower case) → the table its ``entity`` is in
ENTITY_TABLE = {
    "salesorder": "customer",
    "invoice": "customer",
    "purchaseorder": "vendor",
}
_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<cols>.+?)\s+FROM\s+(?P<table>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>[\w\s,]+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_TO_CHAR = re.compile(
    r"TO_CHAR\(\s*(?P<col>\w+)\s*,\s*'(?P<fmt>[^']*)'\s*\)\s+AS\s+(?P<alias>\w+)",
    re.IGNORECASE,
)
_EID = re.compile(r"^externalid\s*=\s*'(?P<v>[^']*)'$", re.IGNORECASE)
_SINCE = re.compile(
    r"^lastmodifieddate\s*>\s*TO_TIMESTAMP\(\s*'(?P<v>[^']*)'\s*,"
    r"\s*'YYYY-MM-DD HH24:MI:SS'\s*\)$",
    re.IGNORECASE,
)
_FORMAT = (("YYYY", "%Y"), ("HH24", "%H"), ("MM", "%m"), ("DD", "%d"),
           ("MI", "%M"), ("SS", "%S"), ('"T"', "T"))  # fmt: skip


def _stamp(value: Any) -> dt.datetime | None:
    """A stored date or timestamp as a naive datetime (None if it is neither)."""
    try:
        return dt.datetime.fromisoformat(str(value).removesuffix("Z")).replace(
            tzinfo=None
        )
    except ValueError:
        return None


def _to_char(value: Any, fmt: str) -> Any:
    stamp = _stamp(value)
    if stamp is None:
        return value
    for token, code in _FORMAT:
        fmt = fmt.replace(token, code)
    return stamp.strftime(fmt)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    text = str(value)
    return (1, int(text)) if text.isdigit() else (2, text)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed SuiteQL query of the subset (see the module docstring)."""

    table: str
    aliases: tuple[tuple[str, str, str], ...] = ()  # (column, format, alias)
    external_id: str | None = None
    since: dt.datetime | None = None
    order: tuple[str, ...] = ()

    def run(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The query's rows over ``records`` (stored bodies)."""
        rows = [row_of(r) for r in records]
        if self.external_id is not None:
            rows = [r for r in rows if r.get("externalid") == self.external_id]
        if self.since is not None:
            since = self.since
            rows = [
                r
                for r in rows
                if (s := _stamp(r.get("lastmodifieddate"))) is not None and s > since
            ]
        for col, fmt, alias in self.aliases:
            for r in rows:
                r[alias] = _to_char(r.get(col), fmt)
        for col in reversed(self.order):
            rows.sort(key=lambda r, c=col: _sort_key(r.get(c)))  # type: ignore[misc]
        return rows


def parse_query(text: str) -> Query | None:
    """The query, or None if it is outside the subset."""
    match = _QUERY.match(text)
    if match is None:
        return None
    aliases = tuple(
        (m["col"].lower(), m["fmt"], m["alias"].lower())
        for m in _TO_CHAR.finditer(match["cols"])
    )
    eid: str | None = None
    since: dt.datetime | None = None
    if match["where"]:
        for cond in re.split(r"\s+AND\s+", match["where"].strip(), flags=re.I):
            if m := _EID.match(cond.strip()):
                eid = m["v"]
            elif (m := _SINCE.match(cond.strip())) and _stamp(m["v"]):
                since = _stamp(m["v"])
            else:
                return None
    order = tuple(
        c.strip().lower() for c in (match["order"] or "").split(",") if c.strip()
    )
    return Query(match["table"].lower(), aliases, eid, since, order)


def row_of(record: dict[str, Any]) -> dict[str, Any]:
    """A record as SuiteQL returns it: lower-case columns, references as ids."""
    row: dict[str, Any] = {"links": []}
    for key, value in record.items():
        ref = (
            value.get("id", value.get("externalId"))
            if isinstance(value, dict)
            else value
        )
        row[key.lower()] = ref
    return row


def _resolves(ref: Any, table: dict[str, dict[str, Any]]) -> bool:
    if not isinstance(ref, dict):
        return False
    if ref.get("id") is not None:
        return str(ref["id"]) in table
    eid = ref.get("externalId")
    return eid is not None and any(r.get("externalId") == eid for r in table.values())


def check_transaction(
    record_type: str,
    body: dict[str, Any],
    table: Callable[[str], dict[str, dict[str, Any]]],
) -> str | None:
    """NetSuite's detail for a transaction body it would refuse, else None."""
    missing = [f for f in ("entity", "tranDate") if body.get(f) in (None, "", {})]
    if missing:
        return f"Please enter value(s) for: {', '.join(missing)}."
    entity = body["entity"]
    if not _resolves(entity, table(ENTITY_TABLE[record_type.lower()])):
        shown = (
            entity.get("id", entity.get("externalId"))
            if isinstance(entity, dict)
            else entity
        )
        return (
            "Error while accessing a resource. You have entered an Invalid Field "
            f"Value {shown} for the following field: entity"
        )
    try:
        dt.date.fromisoformat(str(body["tranDate"]))
    except ValueError:
        return f"Invalid Field Value {body['tranDate']!r} for the following field: tranDate"
    sublist = body.get("item")
    lines = sublist.get("items") if isinstance(sublist, dict) else None
    if not isinstance(lines, list) or not lines:
        return "You must enter at least one line item for this transaction."
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or line.get("item") in (None, {}):
            return f"Please enter value(s) for: item (line {number})."
        amount = line.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            return f"Invalid Field Value {amount!r} for the following field: amount"
    return None
