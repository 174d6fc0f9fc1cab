"""Who owns which entity: the team an exception about it is routed to."""

from __future__ import annotations

__all__ = ["STEWARDS", "owner_of"]

STEWARDS: dict[str, str] = {
    "LegalEntity": "finance",
    "CostCenter": "finance",
    "Customer": "finance",
    "Contract": "finance",
    "RateCard": "finance",
    "InvoiceRequest": "finance",
    "PurchaseOrder": "finance",
    "Project": "delivery_ops",
    "Assignment": "delivery_ops",
    "TimeEntry": "delivery_ops",
    "Expense": "delivery_ops",
    "Worker": "hr",
    "PayrollAllocation": "hr",
}


def owner_of(entity: str) -> str:
    """The steward team of ``entity`` (``delivery_ops`` when none is set)."""
    return STEWARDS.get(entity, "delivery_ops")
