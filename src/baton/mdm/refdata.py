"""Reference data the validation rules and mappings read: projects, workers, pay codes.

Loaded from the store into memory at start-up (the hot path never queries
it), and loaded into the store from a folder of JSON files by
``baton refdata load DIR``:

* ``projects.json``  ``{"PRJ-0001": {"active": true, "name": "…"}, …}``
* ``workers.json``   ``{"W00001": {"erp_employee_id": "EMP-1", "cost_rate": 59.5,
  "currency": "USD"}, …}``

Projects and workers may carry ``"refs": {"project": "…", "task": "…"}`` /
``{"user": "…"}``: ids of the record in the target system that a connector's
mapping needs besides the employee id and pay item (Xero's project, task and
user ids, for instance).
* ``pay_codes.json`` ``{"REG": "PI-1000", …}`` (canonical code → ERP pay item)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from pathlib import Path

    from baton.store.sql import SqlStore

__all__ = [
    "KINDS",
    "PayCodeRef",
    "ProjectRef",
    "RefData",
    "RefDataError",
    "WorkerRef",
    "load_dir",
    "load_store",
]

KINDS = {
    "project": "projects.json",
    "worker": "workers.json",
    "pay_code": "pay_codes.json",
}


class RefDataError(ValueError):
    """A reference data file is missing or malformed (the message says where)."""


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project code and whether time may be booked to it."""

    code: str
    active: bool
    name: str = ""
    refs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WorkerRef:
    """A worker's ERP employee id and hourly cost rate."""

    worker_id: str
    erp_employee_id: str
    cost_rate: Decimal
    currency: str = "USD"
    refs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PayCodeRef:
    """A canonical pay code and the ERP pay item it maps to."""

    code: str
    pay_item: str


@dataclass(slots=True)
class RefData:
    """In-memory reference data, keyed for the validation rules."""

    projects: dict[str, ProjectRef] = field(default_factory=dict)
    workers: dict[str, WorkerRef] = field(default_factory=dict)
    pay_codes: dict[str, PayCodeRef] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many of each kind are loaded."""
        return {
            "project": len(self.projects),
            "worker": len(self.workers),
            "pay_code": len(self.pay_codes),
        }


def _refs(key: str, doc: dict[str, Any]) -> dict[str, str]:
    refs = doc.get("refs", {})
    if not isinstance(refs, dict) or not all(
        isinstance(v, (str, int)) for v in refs.values()
    ):
        raise RefDataError(f"{key}: 'refs' must map names to target ids")
    return {str(k): str(v) for k, v in refs.items()}


def _project(key: str, doc: Any) -> ProjectRef:
    if not isinstance(doc, dict) or not isinstance(doc.get("active"), bool):
        raise RefDataError(f"project {key}: expected {{'active': true|false}}")
    return ProjectRef(key, doc["active"], str(doc.get("name", "")), _refs(key, doc))


def _worker(key: str, doc: Any) -> WorkerRef:
    if not isinstance(doc, dict) or not doc.get("erp_employee_id"):
        raise RefDataError(f"worker {key}: 'erp_employee_id' is required")
    try:
        rate = Decimal(str(doc["cost_rate"]))
    except (KeyError, InvalidOperation) as exc:
        raise RefDataError(f"worker {key}: 'cost_rate' must be a number") from exc
    if rate < 0:
        raise RefDataError(f"worker {key}: 'cost_rate' must not be negative")
    return WorkerRef(
        key,
        str(doc["erp_employee_id"]),
        rate,
        str(doc.get("currency", "USD")),
        _refs(key, doc),
    )


def _pay_code(key: str, doc: Any) -> PayCodeRef:
    if not isinstance(doc, str) or not doc:
        raise RefDataError(f"pay code {key}: expected the ERP pay item as a string")
    return PayCodeRef(key, doc)


_PARSERS = {"project": _project, "worker": _worker, "pay_code": _pay_code}


def parse(kind: str, rows: dict[str, Any], into: RefData) -> None:
    """Validate ``rows`` of one kind and add them to ``into``.

    Raises:
        RefDataError: a row is malformed.
    """
    parser = _PARSERS[kind]
    target: dict[str, Any] = {  # type: ignore[assignment]
        "project": into.projects,
        "worker": into.workers,
        "pay_code": into.pay_codes,
    }[kind]
    for key, doc in rows.items():
        target[key] = parser(key, doc)


def read_dir(path: Path) -> dict[str, dict[str, Any]]:
    """Read and validate the three files of a reference data folder.

    Raises:
        RefDataError: a file is missing, not JSON, or has a malformed row.
    """
    out: dict[str, dict[str, Any]] = {}
    check = RefData()
    for kind, filename in KINDS.items():
        file = path / filename
        if not file.is_file():
            raise RefDataError(
                f"{file}: missing (expected {', '.join(KINDS.values())})"
            )
        try:
            rows = orjson.loads(file.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise RefDataError(f"{file}: not valid JSON ({exc})") from exc
        if not isinstance(rows, dict):
            raise RefDataError(f"{file}: expected an object keyed by code")
        parse(kind, rows, check)
        out[kind] = rows
    return out


def load_dir(store: SqlStore, path: Path) -> dict[str, int]:
    """Validate a folder, then write it to the store (all or nothing per kind)."""
    data = read_dir(path)
    return {
        kind: store.put_refdata(
            kind, ((k, orjson.dumps(v).decode()) for k, v in rows.items())
        )
        for kind, rows in data.items()
    }


def load_store(store: SqlStore) -> RefData:
    """Everything the store holds, parsed into memory."""
    ref = RefData()
    for kind, rows in store.load_refdata().items():
        if kind in _PARSERS:
            parse(kind, {k: orjson.loads(v) for k, v in rows.items()}, ref)
    return ref
