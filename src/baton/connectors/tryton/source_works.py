"""How the Tryton source places tasks and timesheet lines in their projects.

A ``project.work`` tree stores each node's ancestry in ``path``
(``"<root id>/…/<own id>/"``); a task belongs to its nearest ancestor of
type ``project``. A timesheet line books to a ``timesheet.work`` whose
``origin`` is a ``project.work`` (or nothing: a plain timesheet work, which
stands for its own project). Each page costs two ``read`` calls at most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.tryton import source_mapping as m
from baton.connectors.tryton.erp_mapping import tryton_id
from baton.connectors.tryton.source_values import WorkRef, work_code

if TYPE_CHECKING:
    from baton.connectors.tryton.client import TrytonClient
    from baton.model import Task

__all__ = ["WORK_FIELDS", "task_of", "work_ref_of", "work_refs", "works_with_ancestors"]

WORK_FIELDS = ["id", "type", "name", "number", "parent", "path", "invoice_method"]
Rows = list[dict[str, Any]]


async def works_with_ancestors(
    client: TrytonClient, rows: Rows
) -> dict[int, dict[str, Any]]:
    """The rows and every ancestor in their paths, by id."""
    known = {int(r["id"]): r for r in rows}
    ids = {int(i) for r in rows for i in str(r.get("path") or "").split("/") if i}
    missing = sorted(ids - known.keys())
    if missing:
        for row in await client.call("project.work.read", missing, WORK_FIELDS):
            known[int(row["id"])] = row
    return known


async def work_refs(client: TrytonClient, rows: Rows) -> dict[int, WorkRef]:
    """Where each line's ``timesheet.work`` books to, by its id."""
    origins: dict[int, int] = {}  # timesheet.work → project.work
    refs: dict[int, WorkRef] = {}
    for row in rows:
        work = row.get("work.") or {}
        if not work:
            continue
        model, _sep, oid = str(work.get("origin") or "").partition(",")
        if model == "project.work" and oid.isdigit():
            origins[int(work["id"])] = int(oid)
        else:  # a plain timesheet work: no project behind it
            refs[int(work["id"])] = WorkRef(
                project_id=tryton_id("timesheet.work", int(work["id"])),
                project_code=str(work.get("name") or work["id"]),
            )
    if origins:
        targets = await client.call(
            "project.work.read", sorted(set(origins.values())), WORK_FIELDS
        )
        works = await works_with_ancestors(client, targets)
        for work_id, pid in origins.items():
            refs[work_id] = _book_to(works, pid)
    return refs


def _nearest_project(works: dict[int, dict[str, Any]], work: int) -> int | None:
    path = [int(i) for i in str(works[work].get("path") or work).split("/") if i]
    for wid in reversed(path):
        if works.get(wid, {}).get("type") == "project":
            return wid
    return None


def task_of(row: dict[str, Any], works: dict[int, dict[str, Any]]) -> Task:
    """The ``Task`` of a task row, placed by ``works`` (its ancestors, by id).

    Raises:
        ValueError: the task is under no project.
    """
    project = _nearest_project(works, int(row["id"]))
    if project is None:
        raise ValueError("the task is under no project")
    parent = row.get("parent")
    parent_task = parent if works.get(parent or 0, {}).get("type") == "task" else None
    return m.task_from_work(row, project=project, parent_task=parent_task)


def _book_to(works: dict[int, dict[str, Any]], work: int) -> WorkRef:
    project = _nearest_project(works, work)
    if project is None:  # a task under no project: book to the task itself
        project = work
    row = works[work]
    return WorkRef(
        project_id=tryton_id("project.work", project),
        project_code=work_code(works[project]),
        task_id=(
            tryton_id("project.work", work)
            if row["type"] == "task" and project != work
            else None
        ),
        billable=row.get("invoice_method") in m.BILLED,
    )


def work_ref_of(row: dict[str, Any], refs: dict[int, WorkRef]) -> WorkRef:
    """Where a timesheet line books to.

    Raises:
        ValueError: the line has no (readable) timesheet work.
    """
    work = row.get("work")
    if not work or int(work) not in refs:
        raise ValueError("the line has no timesheet work")
    return refs[int(work)]
