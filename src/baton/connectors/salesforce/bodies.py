"""Canonical models → Salesforce write bodies (pure: no I/O, no clock).

:func:`customer_to_account` renders the body of an Account upsert by
external id: ``Name``, ``BillingCountry`` (the ISO code, which the read
mapping takes back as the country) and ``ParentId`` when the caller resolved
the parent's Salesforce Id (through ``mdm``, not here). Optional fields the
customer does not have are left out, not sent as ``null``: an upsert leaves
omitted fields alone, so a value a salesperson entered is never cleared. The
external id travels in the URL, never in the body (Salesforce refuses it
there).

Limits checked here, so a record Salesforce would refuse is quarantined
before it is sent: ``Name`` and text external ids hold at most 255
characters [kb: Salesforce counts characters; we count code points].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.salesforce.values import MappingError

if TYPE_CHECKING:
    from baton.model import Customer

__all__ = [
    "MAX_TEXT",
    "customer_to_account",
    "external_id_value",
    "project_code_body",
    "sf_id",
]

MAX_TEXT = 255
_ID_LENGTHS = (15, 18)


def _text(field: str, value: str) -> str:
    """``value`` as is (the canonical model trimmed it), if Salesforce holds it."""
    if not value.strip():
        raise MappingError(f"{field} is empty")
    if len(value) > MAX_TEXT:
        raise MappingError(f"{field} has {len(value)} characters (at most {MAX_TEXT})")
    return value


def sf_id(value: str) -> str:
    """A Salesforce record Id (15 or 18 alphanumerics).

    Raises:
        MappingError: anything else (e.g. a canonical id not yet resolved).
    """
    text = value.strip()
    if len(text) not in _ID_LENGTHS or not (text.isascii() and text.isalnum()):
        raise MappingError(f"not a Salesforce Id: {value!r}")
    return text


def external_id_value(value: str) -> str:
    """The value of a text external-id field (non-empty, at most 255 characters).

    Raises:
        MappingError: empty or too long.
    """
    return _text("external id", value)


def customer_to_account(
    customer: Customer, *, parent_sf_id: str | None = None
) -> dict[str, Any]:
    """The Account fields for ``customer`` (see the module docstring).

    Raises:
        MappingError: a name over 255 characters or a parent that is not an Id.
    """
    body: dict[str, Any] = {"Name": _text("Name", customer.name)}
    if customer.country is not None:
        body["BillingCountry"] = customer.country
    if parent_sf_id is not None:
        body["ParentId"] = sf_id(parent_sf_id)
    return body


def project_code_body(field: str, code: str) -> dict[str, Any]:
    """``{<project code field>: code}`` for an Opportunity update.

    Raises:
        MappingError: an empty or over-long code.
    """
    return {field: _text(field, code)}
