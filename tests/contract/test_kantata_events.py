"""Kantata's time entries feeding Baton: the change feed as a stream, the time pull."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import yaml

from baton.connectors.kantata.connector import KantataSource
from baton.connectors.kantata.events import EVENT_FIELDS, parse_cursor
from baton.connectors.kantata.mapping import KantataContext
from baton.connectors.kantata.sandbox import KantataSandbox
from baton.connectors.kantata.writes import KantataWrites
from baton.model.time_expense import TimeEntry
from tests.conftest import hub_settings, running_hub
from tests.contract.test_kantata import SPECS, _GemLoader, kantata
from tests.contract.test_kantata_writes import project
from tests.contract.test_time_pull import pull_three_times

if TYPE_CHECKING:
    from pathlib import Path

    from baton.connectors.base import Page, Record
    from baton.connectors.kantata.events import KantataEventStream

FEED = "GET /api/v1/subscribed_events.json"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: the engine's suite covers both dialects already."""
    return f"sqlite:///{tmp_path / 'baton.db'}"


async def read_pages(
    stream: KantataEventStream, cursor: str | None
) -> tuple[list[Page], str | None]:
    pages = [p async for p in stream.read(cursor)]
    return pages, (pages[-1].cursor if pages else cursor)


def records(pages: list[Page]) -> list[Record]:
    return [r for p in pages for r in p.records]


def entry(record: Record) -> TimeEntry:
    assert isinstance(record.data, TimeEntry)
    return record.data


def event_ids(sandbox: KantataSandbox, since: int = 0) -> list[str]:
    return [f"kantata:event:{e}" for e in list(sandbox.events)[since:]]


async def test_events_are_read_in_order_across_pages() -> None:
    sandbox = KantataSandbox()
    ids = [sandbox.add_time_entry(user_id=str(100 + i))["id"] for i in range(5)]
    sandbox.touch("time_entries", ids[0], approved=True)
    sandbox.touch("time_entries", ids[2], time_in_minutes=30)
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client).stream("subscribed_events")
        stream.per_page = 2
        pages, cursor = await read_pages(stream, None)
    got = records(pages)
    assert sandbox.state.requests[FEED] == 4  # 7 events, 2 a page
    assert [len(p.records) for p in pages] == [2, 2, 2, 1]
    assert [r.event_id for r in got] == event_ids(sandbox)
    assert [r.source_id for r in got] == [*ids, ids[0], ids[2]]
    assert entry(got[0]).status.value != "approved"  # each event's own version
    assert entry(got[5]).status.value == "approved"
    assert entry(got[6]).hours == 0.5
    assert stream.fetched == []  # complete payloads: no extra reads
    last = list(sandbox.events.values())[-1]
    assert cursor is not None
    assert parse_cursor(cursor) == (
        parse_cursor(last["created_at"])[0],
        frozenset({last["id"]}),
    )


async def test_resume_returns_only_newer_events_none_repeated_or_missing() -> None:
    sandbox = KantataSandbox()
    ids = [sandbox.add_time_entry()["id"] for _ in range(4)]
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client).stream("subscribed_events")
        stream.per_page = 2
        first, cursor = await read_pages(stream, None)
        seen = len(sandbox.events)
        # same second as the cursor (a late event), then later ones
        stamp = list(sandbox.events.values())[-1]["created_at"]
        sandbox.emit_event(ids[1], "time_entry:updated", created_at=stamp)
        sandbox.touch("time_entries", ids[3], notes="late")
        new = sandbox.add_time_entry()["id"]
        second, cursor2 = await read_pages(stream, cursor)
        third, cursor3 = await read_pages(stream, cursor2)
    assert [r.event_id for r in records(first)] == event_ids(sandbox)[:seen]
    assert [r.event_id for r in records(second)] == event_ids(sandbox, seen)
    assert [r.source_id for r in records(second)] == [ids[1], ids[3], new]
    assert entry(records(second)[1]).notes == "late"
    assert records(third) == []
    assert cursor3 == cursor2


async def test_a_gap_is_filled_by_fetching_the_time_entry() -> None:
    sandbox = KantataSandbox()
    changed = sandbox.add_time_entry()["id"]
    partial = sandbox.add_time_entry()["id"]
    start = len(sandbox.events)
    sandbox.data["time_entries"][changed]["approved"] = True  # changed, no payload
    sandbox.emit_event(changed, "time_entry:updated", payload=None)
    sandbox.emit_event(partial, "time_entry:updated", payload={"id": partial})
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client).stream("subscribed_events")
        pages, _ = await read_pages(stream, None)
    got = records(pages)[start:]
    assert [r.source_id for r in got] == [changed, partial]
    assert [r.event_id for r in got] == event_ids(sandbox, start)
    assert entry(got[0]).status.value == "approved"  # the fetched, current record
    assert entry(got[1]).hours == 1.5
    assert stream.fetched == [changed, partial]
    assert sandbox.state.requests["GET /api/v1/time_entries.json"] == 2


async def test_a_delete_is_reported_not_yielded() -> None:
    sandbox = KantataSandbox()
    kept = sandbox.add_time_entry()["id"]
    gone = sandbox.add_time_entry()["id"]
    sandbox.touch("time_entries", gone, notes="doomed")
    sandbox.delete_time_entry(gone)
    vanished = sandbox.add_time_entry()["id"]  # a gap whose entry is gone by now
    sandbox.emit_event(vanished, "time_entry:updated", payload=None)
    sandbox.data["time_entries"].pop(vanished)
    async with kantata(sandbox) as (client, _):
        stream = KantataSource(client).stream("subscribed_events")
        pages, cursor = await read_pages(stream, None)
    got = records(pages)
    assert [r.source_id for r in got] == [kept, gone, gone, vanished]
    assert stream.deleted == [gone, vanished]
    assert cursor is not None
    # the gap event shares its second with the created one: both in the cursor
    assert parse_cursor(cursor)[1] == set(list(sandbox.events)[-2:])


def test_the_catalogue_names_every_event_field_the_stream_reads() -> None:
    spec = SPECS / "mavenlink_gem-specification.yml"
    assert spec.is_file(), f"{spec} is missing: the contract cannot be checked"
    gem: dict[Any, Any] = yaml.load(spec.read_text(), Loader=_GemLoader)
    attributes = set(gem["subscribed_events"]["attributes"])
    assert set(EVENT_FIELDS) <= attributes, set(EVENT_FIELDS) - attributes
    sandbox = KantataSandbox()
    sandbox.touch("time_entries", sandbox.add_time_entry()["id"], approved=True)
    sandbox.emit_event("1", "time_entry:deleted", payload=None)
    for event in sandbox.events.values():
        assert set(event) <= attributes, set(event) - attributes


async def test_new_workspaces_appear_in_the_feed_but_not_the_time_stream() -> None:
    sandbox = KantataSandbox()
    async with kantata(sandbox) as (client, _):
        wid = await KantataWrites(client).create_project(project())
        feed = await client.get(
            "subscribed_events", {"event_types": "workspace:created"}
        )
        stream = KantataSource(client).stream("subscribed_events")
        pages, cursor = await read_pages(stream, None)
    (event,) = feed["subscribed_events"].values()
    assert (event["subject_type"], event["subject_id"]) == ("Workspace", int(wid))
    assert event["payload"]["title"] == "Rollout for Acme"
    assert (pages, cursor) == ([], None)  # it asks for time-entry events only


def approved_time(sandbox: KantataSandbox) -> list[str]:
    ids = []
    for i in range(8):
        entry = sandbox.add_time_entry(
            user_id=str(100 + i),
            workspace_id="907" if i == 5 else "901",
            date_performed=f"2026-11-{2 + i:02d}",
            approved=i != 3,
            active_submission_id="55" if i == 3 else None,
        )
        ids.append(entry["id"])
    return ids


async def test_kantata_time_feeds_the_approved_time_pull(
    store_url: str, refdata_dir: Path, erp: Any
) -> None:
    erp_sandbox, url = erp
    sandbox = KantataSandbox()
    ids = approved_time(sandbox)
    ctx = KantataContext(
        workers={str(100 + i): f"W{i + 1:05d}" for i in range(8)},
        project_codes={"901": "PRJ-0001", "907": "PRJ-0007"},
    )
    async with (
        kantata(sandbox) as (client, _),
        running_hub(hub_settings(store_url, url), refdata_dir) as hub,
    ):
        stream = KantataSource(client, ctx).stream("time_entries")
        stream.per_page = 3
        pulls = await pull_three_times(hub, stream, "kantata", 6)
    first, cursor, again = pulls.first, pulls.cursor, pulls.again
    replay, quarantined = pulls.replay, pulls.quarantined
    # 8 entries, 3 a page; later requests overlap by one second: 3+2+2+1
    assert (first.pages, first.skipped) == (4, 1)
    assert first.outcomes == {"accepted": 6, "rejected": 1}
    assert cursor == sandbox.data["time_entries"][ids[-1]]["updated_at"]
    assert again.outcomes == {"duplicate": 1}  # only the cursor's own second
    assert replay.outcomes == {"duplicate": 6, "rejected": 1}
    assert quarantined == [f"kantata:time_entry:{ids[5]}"]
    posted = [f"kantata:time_entry:{ids[i]}" for i in (0, 1, 2, 4, 6, 7)]
    assert sorted(erp_sandbox.posts) == sorted(posted)
    assert set(erp_sandbox.posts.values()) == {1}
