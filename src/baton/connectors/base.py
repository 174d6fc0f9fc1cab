"""The interface every write target implements, as the engine sees it.

A target renders a canonical command into the exact body it will send
(stored in the outbox, so a replay preview shows the bytes), applies a stored
delivery idempotently, and looks a delivery up by its external id to settle
an ambiguous outcome. Errors are raised as :mod:`baton.engine.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from baton.model.commands import Command
    from baton.store.ports import DeliveryRow

__all__ = ["Target"]


class Target(Protocol):
    """A system Baton writes to (an ERP, a PSA, payroll …).

    Attributes:
        name: the target's name in configuration (e.g. ``erp``).
        system: the system name used in cross-references (e.g. ``generic-erp``).
        account: the vendor account; the rate limiter is shared per account.
    """

    name: str
    system: str
    account: str

    def render(self, command: Command) -> str:
        """The exact JSON body this target will send for ``command``."""
        ...

    async def apply(self, delivery: DeliveryRow) -> str:
        """Send the delivery; return the target's id for the record.

        Raises:
            baton.engine.errors.DeliveryError: classified by its subclass.
        """
        ...

    async def lookup(self, delivery: DeliveryRow) -> str | None:
        """The target's id for this delivery if it already holds it, else None."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
