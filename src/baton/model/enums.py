"""The closed vocabularies shared by canonical entities (string enums).

Each value is the stable snake_case string that appears in payloads and JSON
schemas; renaming one is a breaking change to the model.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ApprovalStatus",
    "BillingMethod",
    "EntityKind",
    "OwnerTeam",
    "ProjectStatus",
    "WorkerType",
]


class WorkerType(StrEnum):
    """Employment relationship of a worker."""

    EMPLOYEE = "employee"
    CONTRACTOR = "contractor"


class ApprovalStatus(StrEnum):
    """Approval state of time, expenses and purchase requests."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProjectStatus(StrEnum):
    """Lifecycle state of a project."""

    PLANNED = "planned"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class BillingMethod(StrEnum):
    """How work is billed to the customer."""

    TIME_AND_MATERIALS = "time_and_materials"
    FIXED_FEE = "fixed_fee"
    MILESTONE = "milestone"
    RETAINER = "retainer"


class OwnerTeam(StrEnum):
    """Team that stewards an entity and fixes its quarantined records."""

    FINANCE = "finance"
    HR = "hr"
    DELIVERY_OPS = "delivery_ops"


class EntityKind(StrEnum):
    """Every canonical entity, by its stable snake_case name."""

    LEGAL_ENTITY = "legal_entity"
    COST_CENTER = "cost_center"
    BUSINESS_UNIT = "business_unit"
    GL_DIMENSION = "gl_dimension"
    TAX_CODE = "tax_code"
    CUSTOMER = "customer"
    CONTACT = "contact"
    OPPORTUNITY = "opportunity"
    CONTRACT = "contract"
    CONTRACT_LINE = "contract_line"
    RATE_CARD = "rate_card"
    PROJECT = "project"
    TASK = "task"
    MILESTONE = "milestone"
    BILLING_SCHEDULE = "billing_schedule"
    WORKER = "worker"
    ROLE = "role"
    LOCATION = "location"
    ASSIGNMENT = "assignment"
    TIME_ENTRY = "time_entry"
    EXPENSE = "expense"
    INVOICE_REQUEST = "invoice_request"
    REVENUE_EVENT = "revenue_event"
    PURCHASE_REQUEST = "purchase_request"
    PURCHASE_ORDER = "purchase_order"
    VENDOR = "vendor"
    PAYROLL_ALLOCATION = "payroll_allocation"
