"""The canonical model: entities, Money, hours, ids and schema export (no I/O).

Everything public is re-exported here; import from ``baton.model``, not from
its modules. See ``common`` for the versioning and Money rules and
``time_expense`` for how hours precision is chosen.
"""

from __future__ import annotations

from baton.model.assignment import Assignment
from baton.model.commercial import (
    Contract,
    ContractLine,
    ContractStatus,
    Opportunity,
    OpportunityStage,
    RateCard,
    RateCardLine,
    RateUnit,
)
from baton.model.common import (
    CURRENCY_MINOR_UNITS,
    MAX_HOURS_PER_ENTRY,
    ApprovalStatus,
    BillingMethod,
    CanonicalModel,
    CountryCode,
    CurrencyCode,
    EmailAddress,
    Entity,
    EntityKind,
    HoursPrecision,
    Money,
    NonEmptyStr,
    OwnerTeam,
    ProjectStatus,
    WorkerType,
    validate_hours,
)
from baton.model.customer import Contact, Customer
from baton.model.finance import (
    InvoiceLine,
    InvoiceRequest,
    InvoiceRequestStatus,
    RevenueEvent,
)
from baton.model.ids import ID_LENGTH, id_timestamp_ms, new_id
from baton.model.org import BusinessUnit, CostCenter, GLDimension, LegalEntity, TaxCode
from baton.model.payroll import PayrollAllocation, PayrollAllocationLine
from baton.model.procurement import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    PurchaseRequest,
    Vendor,
)
from baton.model.project import (
    BillingSchedule,
    BillingScheduleLine,
    Milestone,
    Project,
    Task,
)
from baton.model.schema import ENTITIES, SCHEMA_BASE_URL, export_schemas, schema_for
from baton.model.time_expense import HOURS_PRECISION_CONTEXT_KEY, Expense, TimeEntry
from baton.model.worker import Location, Role, Worker

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "ENTITIES",
    "HOURS_PRECISION_CONTEXT_KEY",
    "ID_LENGTH",
    "MAX_HOURS_PER_ENTRY",
    "SCHEMA_BASE_URL",
    "ApprovalStatus",
    "Assignment",
    "BillingMethod",
    "BillingSchedule",
    "BillingScheduleLine",
    "BusinessUnit",
    "CanonicalModel",
    "Contact",
    "Contract",
    "ContractLine",
    "ContractStatus",
    "CostCenter",
    "CountryCode",
    "CurrencyCode",
    "Customer",
    "EmailAddress",
    "Entity",
    "EntityKind",
    "Expense",
    "GLDimension",
    "HoursPrecision",
    "InvoiceLine",
    "InvoiceRequest",
    "InvoiceRequestStatus",
    "LegalEntity",
    "Location",
    "Milestone",
    "Money",
    "NonEmptyStr",
    "Opportunity",
    "OpportunityStage",
    "OwnerTeam",
    "PayrollAllocation",
    "PayrollAllocationLine",
    "Project",
    "ProjectStatus",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderStatus",
    "PurchaseRequest",
    "RateCard",
    "RateCardLine",
    "RateUnit",
    "RevenueEvent",
    "Role",
    "Task",
    "TaxCode",
    "TimeEntry",
    "Vendor",
    "Worker",
    "WorkerType",
    "export_schemas",
    "id_timestamp_ms",
    "new_id",
    "schema_for",
    "validate_hours",
]
