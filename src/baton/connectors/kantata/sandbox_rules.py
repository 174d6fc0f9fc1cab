"""What the local Kantata OX accepts in a write body: pure checks, no state.

The rules of :mod:`.sandbox_writes` that need no stored record: the
attributes each create or update permits, the catalogue's validations
(``title`` present, ``creator_role`` one of ``maven``/``buyer``; the
reference's ``service_name``, ``service_model``, ``service_model_ref``
present) and the workspace Kantata would store for a create body. Messages
follow Rails' wording [kb].
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from baton.model.common import CURRENCY_MINOR_UNITS

__all__ = [
    "ME",
    "PARTICIPATION_FIELDS",
    "PARTICIPATION_UPDATES",
    "ROLES",
    "RejectedError",
    "check_fields",
    "check_reference",
    "check_updates",
    "workspace_record",
]

WORKSPACE_FIELDS = frozenset(
    {
        "title",
        "description",
        "currency",
        "price",
        "budgeted",
        "start_date",
        "due_date",
        "creator_role",
        "stories_are_fixed_fee_by_default",
        "primary_maven_id",
        "primary_workspace_group_id",
        "external_reference",
    }
)
PARTICIPATION_FIELDS = frozenset(
    {"workspace_id", "user_id", "role", "external_reference"}
)
PARTICIPATION_UPDATES = frozenset({"rate_in_cents", "cost_in_cents"})
REFERENCE_FIELDS = ("service_name", "service_model", "service_model_ref")
ROLES = ("maven", "buyer")
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
ME = {"id": "3", "full_name": "Baton Integration", "email_address": "baton@example.com"}


class RejectedError(ValueError):
    """A body Kantata would answer with 422 and this message."""


def check_fields(body: Any, allowed: frozenset[str], key: str) -> dict[str, Any]:
    """``body`` as an object holding only ``allowed`` attributes.

    Raises:
        RejectedError: ``body`` is not an object or holds another attribute.
    """
    if not isinstance(body, dict):
        raise RejectedError(f"{key} is required")
    extra = sorted(set(body) - allowed)
    if extra:
        raise RejectedError(f"{', '.join(extra)} is not a permitted attribute")
    return body


def _date(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) != 10 or not text[4] == text[7] == "-":
        raise RejectedError(
            f"{field.replace('_', ' ').capitalize()} is not a valid date"
        )
    return text


def _cents(price: Any, currency: str) -> int:
    try:
        amount = Decimal(str(price))
    except InvalidOperation:
        raise RejectedError("Price is not a number") from None
    if not amount.is_finite():
        raise RejectedError("Price is not a number")
    if amount < 0:
        raise RejectedError("Price must be greater than or equal to 0")
    cents = amount.scaleb(CURRENCY_MINOR_UNITS[currency])
    if cents != cents.to_integral_value():
        raise RejectedError(f"Price has more decimals than {currency} allows")
    return int(cents)


def workspace_record(body: Any) -> dict[str, Any]:
    """The workspace Kantata would store for a create body (no id, no stamps).

    Raises:
        RejectedError: the body breaks one of the rules in the module docstring.
    """
    body = check_fields(body, WORKSPACE_FIELDS, "workspace")
    title = str(body.get("title") or "").strip()
    if not title:
        raise RejectedError("Title can't be blank")
    if body.get("creator_role") not in ROLES:
        raise RejectedError("Creator role is not included in the list")
    currency = str(body.get("currency") or "USD")
    if currency not in CURRENCY_MINOR_UNITS:
        raise RejectedError("Currency is not included in the list")
    start, due = _date(body, "start_date"), _date(body, "due_date")
    if start and due and due < start:
        raise RejectedError("Due date must be on or after the start date")
    price = body.get("price")
    cents = None if price in (None, "") else _cents(price, currency)
    return {
        "title": body["title"],
        "description": body.get("description") or "",
        "archived": False,
        "currency": currency,
        "currency_symbol": _SYMBOLS.get(currency, currency),
        "currency_base_unit": 10 ** CURRENCY_MINOR_UNITS[currency],
        "price": None if cents is None else str(price),
        "price_in_cents": cents,
        "budgeted": bool(body.get("budgeted", cents is not None)),
        "start_date": start,
        "due_date": due,
        "effective_due_date": due,
        "status": {"color": "grey", "message": "Not Started", "key": 100},
        "stories_are_fixed_fee_by_default": bool(
            body.get("stories_are_fixed_fee_by_default", False)
        ),
        "primary_maven_id": body.get("primary_maven_id"),
        "primary_workspace_group_id": body.get("primary_workspace_group_id"),
        "creator_id": ME["id"],
        "external_reference_ids": [],
    }


def check_reference(ref: Any) -> None:
    """Check a nested ``external_reference`` before anything is stored.

    Raises:
        RejectedError: ``ref`` is not an object with every required field.
    """
    missing = [
        f for f in REFERENCE_FIELDS if not isinstance(ref, dict) or not ref.get(f)
    ]
    if missing:
        raise RejectedError(f"External reference {', '.join(missing)} can't be blank")


def check_updates(body: Any) -> dict[str, Any]:
    """A participation update: known fields, each a non-negative integer.

    Raises:
        RejectedError: an unknown field or a value that is not one.
    """
    fields = check_fields(body, PARTICIPATION_UPDATES, "participation")
    for field, value in fields.items():
        name = field.replace("_", " ").capitalize()
        if isinstance(value, bool) or not isinstance(value, int):
            raise RejectedError(f"{name} is not a number")
        if value < 0:
            raise RejectedError(f"{name} must be greater than or equal to 0")
    return fields
