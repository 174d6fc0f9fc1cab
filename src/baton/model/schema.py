"""The registry of canonical entities and the export of their JSON schemas.

``baton schema export`` calls ``export_schemas``; the files it writes are the
published contract of the canonical model.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from baton.model.assignment import Assignment
from baton.model.commercial import Contract, ContractLine, Opportunity, RateCard
from baton.model.customer import Contact, Customer
from baton.model.finance import InvoiceRequest, RevenueEvent
from baton.model.org import BusinessUnit, CostCenter, GLDimension, LegalEntity, TaxCode
from baton.model.payroll import PayrollAllocation
from baton.model.procurement import PurchaseOrder, PurchaseRequest, Vendor
from baton.model.project import BillingSchedule, Milestone, Project, Task
from baton.model.time_expense import Expense, TimeEntry
from baton.model.worker import Location, Role, Worker

if TYPE_CHECKING:
    import pathlib

    from baton.model.common import Entity


SCHEMA_BASE_URL = "https://baton.dev/schema"

_ENTITY_CLASSES: tuple[type[Entity], ...] = (
    LegalEntity,
    CostCenter,
    BusinessUnit,
    GLDimension,
    TaxCode,
    Customer,
    Contact,
    Opportunity,
    Contract,
    ContractLine,
    RateCard,
    Project,
    Task,
    Milestone,
    BillingSchedule,
    Worker,
    Role,
    Location,
    Assignment,
    TimeEntry,
    Expense,
    InvoiceRequest,
    RevenueEvent,
    PurchaseRequest,
    PurchaseOrder,
    Vendor,
    PayrollAllocation,
)

ENTITIES: dict[str, type[Entity]] = {cls.__name__: cls for cls in _ENTITY_CLASSES}
"""Every canonical entity by class name, e.g. ``ENTITIES["TimeEntry"]``."""


def schema_for(entity: type[Entity]) -> dict[str, object]:
    """Return the published JSON schema of one entity, with its ``$id``.

    The ``$id`` carries the entity's ``model_version``, e.g.
    ``https://baton.dev/schema/v1/TimeEntry.json``.
    """
    schema: dict[str, object] = {
        "$id": f"{SCHEMA_BASE_URL}/v{entity.model_version}/{entity.__name__}.json",
        **entity.model_json_schema(),
    }
    return schema


def export_schemas(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Write ``<Entity>.schema.json`` for every entity into ``out_dir``.

    Files are JSON with sorted keys, two-space indent and a trailing newline, so
    the output is byte-for-byte reproducible and diffs cleanly. Existing files
    of the same name are overwritten; ``out_dir`` is created if missing.

    Args:
        out_dir: Directory to write into.

    Returns:
        The paths written, in ``ENTITIES`` order.

    Raises:
        OSError: If the directory or a file cannot be written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[pathlib.Path] = []
    for name, entity in ENTITIES.items():
        path = out_dir / f"{name}.schema.json"
        text = json.dumps(schema_for(entity), indent=2, sort_keys=True) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
