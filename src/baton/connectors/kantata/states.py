"""Kantata states as canonical enums: approval of time and expenses, project status.

Kantata marks an approved entry with ``approved``; an entry in a timesheet
(or expense report) awaiting approval carries ``active_submission_id``. A
workspace's ``status`` is a hash whose ``message`` is the account's own label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.model.common import ApprovalStatus, ProjectStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["approval", "project_status"]


def approval(raw: Mapping[str, Any]) -> ApprovalStatus:
    """Approved flag first, then a pending submission, else draft."""
    if raw.get("approved"):
        return ApprovalStatus.APPROVED
    if raw.get("active_submission_id"):
        return ApprovalStatus.SUBMITTED
    return ApprovalStatus.DRAFT


_STATUS_WORDS = (
    ("cancel", ProjectStatus.CANCELLED),
    ("hold", ProjectStatus.ON_HOLD),
    ("complete", ProjectStatus.COMPLETED),
    ("closed", ProjectStatus.COMPLETED),
    ("planning", ProjectStatus.PLANNED),
    ("not started", ProjectStatus.PLANNED),
    ("estimate", ProjectStatus.PLANNED),
)


def project_status(raw: Mapping[str, Any]) -> ProjectStatus:
    """Archived → completed; else from the status message's words; else active."""
    if raw.get("archived"):
        return ProjectStatus.COMPLETED
    status = raw.get("status")
    message = str(status.get("message", "")).lower() if isinstance(status, dict) else ""
    return next(
        (v for word, v in _STATUS_WORDS if word in message), ProjectStatus.ACTIVE
    )
