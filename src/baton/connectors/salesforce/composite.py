"""Salesforce ``composite`` answers as per-item outcomes (pure).

``POST composite`` answers 200 even when sub-requests fail; each part of
``compositeResponse`` carries its ``referenceId``, ``httpStatusCode`` and a
body that is the record's answer or Salesforce's error array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CompositeItem", "CompositeResult", "parse_composite"]


@dataclass(frozen=True, slots=True)
class CompositeItem:
    """One sub-request's outcome: its reference, status, body and errors."""

    reference_id: str
    status: int
    body: Any
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompositeResult:
    """A composite answer: ``ok`` only when every sub-request succeeded."""

    items: tuple[CompositeItem, ...]

    @property
    def ok(self) -> bool:
        """Whether every sub-request succeeded."""
        return all(200 <= i.status < 300 for i in self.items)


def parse_composite(doc: Any) -> CompositeResult:
    """The outcomes in a ``composite`` answer (``errorCode: message`` each)."""
    items = []
    for part in (doc or {}).get("compositeResponse", []):
        answer = part.get("body")
        errors = tuple(
            f"{e.get('errorCode')}: {e.get('message')}"
            for e in (answer if isinstance(answer, list) else [])
            if isinstance(e, dict) and "errorCode" in e
        )
        items.append(
            CompositeItem(
                str(part.get("referenceId")),
                int(part["httpStatusCode"]),
                answer,
                errors,
            )
        )
    return CompositeResult(tuple(items))
