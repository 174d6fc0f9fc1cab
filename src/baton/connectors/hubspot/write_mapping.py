"""Pure canonical → HubSpot bodies: a ``Customer`` as company properties.

Writes identify objects by a property declared unique in the portal
(``hasUniqueValue``; ``baton_id`` by default) holding Baton's canonical id,
so a write can be repeated or settled by reading that property back.

* ``Customer`` → company: ``name`` (stripped of whitespace as Python sees
  it, control characters ``\\x1c``–``\\x1f`` included, as the read mapping
  strips); ``country`` as the ISO code (the read mapping takes a two-letter
  ``country`` back). The unique value is sent exactly as Baton holds it.
  Absent optional fields are left out, never sent as ``""``: HubSpot clears
  a property given an empty string, and Baton does not own what it does not
  hold. The parent company is an association in HubSpot
  (``hs_parent_company_id`` is read-only [kb]), so it is not written here.
* project code → one deal property (configurable, e.g. ``baton_project_code``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from baton.model.customer import Customer

__all__ = [
    "ID_PROPERTY",
    "MAX_VALUE_LENGTH",
    "company_properties",
    "project_code_properties",
    "upsert_input",
]

ID_PROPERTY = "baton_id"
# HubSpot's limit on a single-line text property [kb]
MAX_VALUE_LENGTH = 65_536


def _text(name: str, value: str, *, strip: bool = True) -> str:
    text = value.strip() if strip else value
    if not text.strip():
        raise ValueError(f"{name} is empty")
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"{name} is longer than {MAX_VALUE_LENGTH} characters")
    return text


def company_properties(customer: Customer) -> dict[str, str]:
    """The company properties Baton owns for ``customer`` (see the module docstring).

    Raises:
        ValueError: a value HubSpot would refuse (empty or too long).
    """
    props = {"name": _text("name", customer.name)}
    if customer.country is not None:
        props["country"] = customer.country
    return props


def project_code_properties(code: str, prop: str) -> dict[str, str]:
    """``{prop: code}``: the project code Baton writes onto a deal.

    Raises:
        ValueError: an empty code or property name.
    """
    return {_text("property name", prop): _text("project code", code)}


def upsert_input(
    value: str, properties: Mapping[str, str], *, id_property: str = ID_PROPERTY
) -> dict[str, Any]:
    """One ``batch/upsert`` input: the unique value, its property, the properties.

    Raises:
        ValueError: an empty unique value.
    """
    return {
        "id": _text(id_property, value, strip=False),
        "idProperty": id_property,
        "properties": dict(properties),
    }
