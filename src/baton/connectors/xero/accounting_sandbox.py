"""A local Xero Accounting: Contacts, Invoices, PurchaseOrders under ``/api.xro/2.0``.

``POST``/``PUT /{kind}`` store ``{kind: [items]}`` (an item with a known
``ContactID``, or for contacts a known ``ContactNumber``, is updated); with
``summarizeErrors=false`` items with errors come back in a 200 with their
``ValidationErrors``, otherwise the request fails with Xero's Accounting
error (400 ``ValidationException``). The same ``Idempotency-Key`` replays the
first answer and stores nothing. ``GET /{kind}`` pages with ``page`` and
``pageSize``, filters with ``where`` (``Field=="value"`` clauses joined by
``AND``) and the ``If-Modified-Since`` header. Numbers are parsed as Decimal.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aiohttp import web

from baton.connectors.xero.accounting_client import ACCOUNTING, KINDS, loads, wire
from baton.connectors.xero.accounting_mapping import date_of
from baton.connectors.xero.mapping import parse_utc
from baton.connectors.xero.sandbox import XeroSandbox
from baton.model.common import CURRENCY_MINOR_UNITS

__all__ = ["XeroAccountingSandbox"]

_CLAUSE = re.compile(r'^\s*(\w+)\s*==\s*"((?:[^"\\]|\\.)*)"\s*$')
_ID = {
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "PurchaseOrders": "PurchaseOrderID",
}


def _msdate(when: dt.datetime) -> str:
    return f"/Date({int(when.timestamp() * 1000)}+0000)/"


def _json(doc: Any, status: int = 200) -> web.Response:
    return web.json_response(wire(doc), status=status)


class XeroAccountingSandbox(XeroSandbox):
    """The Projects sandbox plus the Accounting paths (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.books: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        self.replays: dict[tuple[str, str], tuple[int, Any]] = {}
        self.clock = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def routes(self, app: web.Application) -> None:
        """Projects' paths and the Accounting ones."""
        super().routes(app)
        for kind in KINDS:
            path = f"{ACCOUNTING}/{kind}"
            app.router.add_get(path, self._list)
            app.router.add_post(path, self._write)
            app.router.add_put(path, self._write)

    def accounting_error(
        self, message: str, items: list[dict[str, Any]]
    ) -> web.Response:
        """Xero's Accounting 400: ``ValidationException`` with the items' errors."""
        body = {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": message,
            "Elements": items,
        }
        return _json(body, 400)

    def _tick(self) -> str:
        self.clock += dt.timedelta(seconds=1)
        return _msdate(self.clock)

    def _errors(self, kind: str, item: dict[str, Any]) -> list[str]:
        found: list[str] = []
        if kind == "Contacts":
            if not item.get("Name") and not self._existing(kind, item):
                return ["The contact name must be specified."]
            clash = [
                c
                for c in self.books["Contacts"]
                if c["Name"] == item.get("Name")
                and c["ContactNumber"] != item.get("ContactNumber")
                and c["ContactID"] != item.get("ContactID")
            ]
            if clash:
                found.append(
                    f"The contact name {item['Name']} is already assigned to another "
                    "contact. The contact name must be unique across all active contacts."
                )
            return found
        contact = item.get("Contact") or {}
        if self._contact(contact) is None:
            found.append("A Contact must be specified for this type of transaction")
        currency = str(item.get("CurrencyCode", ""))
        if currency not in CURRENCY_MINOR_UNITS:
            found.append(f"The currency code {currency} is not valid.")
        if not item.get("LineItems"):
            found.append("At least one line item must be specified.")
        for line in item.get("LineItems") or []:
            found += self._line_errors(line, CURRENCY_MINOR_UNITS.get(currency, 2))
        return found

    def _line_errors(self, line: dict[str, Any], places: int) -> list[str]:
        if not line.get("Description"):
            return ["Description must be specified."]
        quantity = Decimal(line.get("Quantity", 1))
        computed = (quantity * Decimal(line.get("UnitAmount", 0))).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
        )
        given = line.get("LineAmount")
        if given is not None and Decimal(given) != computed:
            return [f"The line amount {given} does not equal Quantity x UnitAmount."]
        line["LineAmount"] = computed if given is None else Decimal(given)
        line.setdefault("LineItemID", str(uuid.uuid4()))
        return []

    def _contact(self, ref: dict[str, Any]) -> dict[str, Any] | None:
        for c in self.books["Contacts"]:
            if ref.get("ContactID") == c["ContactID"] or (
                ref.get("ContactNumber") and ref["ContactNumber"] == c["ContactNumber"]
            ):
                return c
        return None

    def _existing(self, kind: str, item: dict[str, Any]) -> dict[str, Any] | None:
        if kind == "Contacts":
            return self._contact(item)
        return next(
            (r for r in self.books[kind] if r[_ID[kind]] == item.get(_ID[kind])), None
        )

    def _save(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        existing = self._existing(kind, item)
        record: dict[str, Any] = (
            existing if existing is not None else {_ID[kind]: str(uuid.uuid4())}
        )
        record.update(item)
        record["UpdatedDateUTC"] = self._tick()
        if kind != "Contacts":
            contact = self._contact(item["Contact"]) or {}
            record["Contact"] = {
                k: contact[k] for k in ("ContactID", "ContactNumber", "Name")
            }
            record["Date"] = _msdate(
                dt.datetime.combine(
                    date_of(str(item.get("Date", "2025-01-01"))), dt.time(), dt.UTC
                )
            )
            total = sum(
                (Decimal(li["LineAmount"]) for li in item["LineItems"]), Decimal(0)
            )
            record.update(SubTotal=total, TotalTax=Decimal(0), Total=total)
        if existing is None:
            self.books[kind].append(record)
        return record

    async def _write(self, request: web.Request) -> web.StreamResponse:
        if not self._tenant_ok(request):
            return self.error(403, "AuthenticationUnsuccessful: unknown tenant")
        kind = request.path.rsplit("/", 1)[-1]
        key = request.headers.get("Idempotency-Key")
        if key and (kind, key) in self.replays:
            status, doc = self.replays[(kind, key)]
            return _json(doc, status)
        try:
            items = loads(await request.read())[kind]
        except (ValueError, KeyError, TypeError):
            return self.accounting_error("The request body is not valid.", [])
        summarize = request.query.get("summarizeErrors", "true").lower() != "false"
        checked = [(item, self._errors(kind, item)) for item in items]
        if summarize and any(errors for _, errors in checked):
            elements = [
                {**item, "ValidationErrors": [{"Message": m} for m in errors]}
                for item, errors in checked
                if errors
            ]
            return self.accounting_error("A validation exception occurred", elements)
        out = [
            {
                **item,
                "ValidationErrors": [{"Message": m} for m in errors],
                "HasErrors": True,
            }
            if errors
            else self._save(kind, item)
            for item, errors in checked
        ]
        doc = {kind: out}
        if key:
            self.replays[(kind, key)] = (200, doc)
        await self.after_commit(request)
        return _json(doc)

    async def _list(self, request: web.Request) -> web.StreamResponse:
        if not self._tenant_ok(request):
            return self.error(403, "AuthenticationUnsuccessful: unknown tenant")
        kind = request.path.rsplit("/", 1)[-1]
        q = request.query
        try:
            page, size = int(q.get("page", "1")), int(q.get("pageSize", "100"))
            since = request.headers.get("If-Modified-Since")
            after = parse_utc(since) if since else None
            clauses = (
                [_CLAUSE.match(c) for c in q["where"].split(" AND ")]
                if "where" in q
                else []
            )
        except ValueError:
            page, size, after, clauses = 0, 0, None, []
        if page < 1 or not 1 <= size <= 1000 or not all(clauses):
            return self.accounting_error(
                "page, pageSize, where or If-Modified-Since is invalid.", []
            )
        wanted = [(m.group(1), m.group(2).replace('\\"', '"')) for m in clauses if m]
        found = [
            r
            for r in self.books[kind]
            if all(str(r.get(f)) == v for f, v in wanted)
            and (after is None or date_of_ms(r["UpdatedDateUTC"]) > after)
        ]
        pages = max(1, -(-len(found) // size))
        pagination = {
            "page": page,
            "pageSize": size,
            "pageCount": pages,
            "itemCount": len(found),
        }
        return _json(
            {"pagination": pagination, kind: found[(page - 1) * size : page * size]}
        )


def date_of_ms(value: str) -> dt.datetime:
    """The instant of Xero's ``/Date(ms+0000)/``."""
    ms = int(value.removeprefix("/Date(").split("+")[0].rstrip(")/"))
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
