"""The installed ``baton`` command, run as a subprocess like a user would.

Every user mistake must end as exit status 1 and one ``error:`` line on
stderr, never a traceback.

Each ``baton`` start imports SQLAlchemy, Alembic and pydantic; with
``PYTHONDONTWRITEBYTECODE`` set that is seconds of compiling per run, so the
children cache bytecode under the test's temporary folder
(``PYTHONPYCACHEPREFIX``), and the invocations run concurrently: the ``runs``
fixture runs ``--version`` first (warming that cache), then starts the
independent commands and ``baton demo --once`` at once; once the demo's store
exists, the read-only commands against it start together, bracketed by two
snapshots of the store. The tests then check one result each.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from baton.demo import write_refdata

if TYPE_CHECKING:
    from collections.abc import Iterator

BATON = str(Path(sys.executable).with_name("baton"))
ERP_URL = "http://127.0.0.1:9/erp/time-entries"  # never contacted (dry runs)
RULES = {
    "project.inactive": "delivery_ops",
    "project.unknown": "delivery_ops",
    "worker.unknown": "hr",
    "pay_code.unknown": "hr",
    "status.not_approved": "delivery_ops",
    "hours.invalid": "delivery_ops",
}
Result = subprocess.CompletedProcess[str]


def baton(*args: str | Path, cwd: Path, timeout: float = 120) -> Result:
    """Run ``baton ARGS`` with no ``BATON_*`` variables and a wide terminal."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BATON_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(COLUMNS="250", NO_COLOR="1", PYTHONPYCACHEPREFIX=str(cwd / "pycache"))
    return subprocess.run(
        [BATON, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_ok(res: Result) -> str:
    assert res.returncode == 0, (res.args, res.stdout, res.stderr)
    assert "Traceback" not in res.stdout + res.stderr
    return res.stdout


def assert_user_error(res: Result, *needles: str) -> str:
    """Exit 1, exactly one ``error:`` line on stderr, no traceback anywhere."""
    assert res.returncode == 1, (res.args, res.stdout, res.stderr)
    assert "Traceback" not in res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error:"), res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def db_snapshot(db: Path) -> dict[str, Any]:
    """Every table's row count, item statuses and delivery states (plain sqlite3)."""
    con = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        snap: dict[str, Any] = {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }
        for what, query in (
            ("quarantine_rows", "SELECT id, status, payload FROM quarantine"),
            ("delivery_rows", "SELECT id, state, attempts FROM deliveries"),
            ("inbox_rows", "SELECT id, outcome FROM inbox"),
        ):
            snap[what] = sorted(con.execute(query).fetchall())
    finally:
        con.close()
    return snap


def count_refdata(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        q = "SELECT kind, count(*) FROM reference_data GROUP BY kind"
        return dict(con.execute(q).fetchall())
    finally:
        con.close()


class Runs:
    """Named ``baton`` invocations running in a thread pool."""

    def __init__(self, root: Path, pool: ThreadPoolExecutor) -> None:
        self.root = root
        self.pool = pool
        self.futures: dict[str, Future[Result]] = {}
        self.demo: dict[str, Any] = {}
        self.before: dict[str, Any] = {}
        self.after: dict[str, Any] = {}

    def start(self, name: str, *args: str | Path) -> None:
        self.futures[name] = self.pool.submit(baton, *args, cwd=self.root)

    def __getitem__(self, name: str) -> Result:
        return self.futures[name].result()


def _prepare(root: Path) -> dict[str, Path]:
    """Input files: reference data (good and broken) and configuration files."""
    paths: dict[str, Path] = {}
    for name, workers in (
        ("ref_good", None),
        ("ref_not_json", '{"W00001": '),
        ("ref_bad_row", '{"W00001": {"cost_rate": 50}}'),
    ):
        folder = root / name
        write_refdata(folder)
        if workers is not None:
            (folder / "workers.json").write_text(workers, encoding="utf-8")
        paths[name] = folder
    for name, text in (
        ("good.yaml", f"store: sqlite:///{root / 'c.db'}\nerp:\n  url: {ERP_URL}\n"),
        (
            "bad.yaml",
            'port: "x"\nbogus_key: 1\nerp:\n  url: ftp://nope\n  timeout_seconds: -1\n',
        ),
        ("not_yaml.yaml", "store: [unclosed\n"),
    ):
        (root / name).write_text(text, encoding="utf-8")
        paths[name] = root / name
    return paths


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("cli")
    p = _prepare(root)
    with ThreadPoolExecutor(max_workers=4) as pool:
        r = Runs(root, pool)
        r.start("version", "--version")
        r["version"]  # the first run fills the bytecode cache the others reuse
        r.start("demo", "demo", "--once", "--port", "0", "--dir", root / "state")
        r.start("migrate", "migrate", "--store", f"sqlite:///{root / 'new' / 'm.db'}")
        r.start("mysql", "status", "--store", "mysql://x")
        for name in ("ref_good", "ref_not_json", "ref_bad_row"):
            r.start(
                name,
                "refdata",
                "load",
                "--store",
                f"sqlite:///{root / name}.db",
                p[name],
            )
        for name in ("good.yaml", "bad.yaml", "not_yaml.yaml"):
            r.start(name, "config", "check", p[name])
        r.start("schema", "schema", "export", "--out", root / "schemas")
        _after_demo(r)
        yield r


def _after_demo(r: Runs) -> None:
    """Once the demo ran: the read-only commands against its store, at once."""
    demo = r["demo"]
    assert demo.returncode == 0, demo.stderr
    db = r.root / "state" / "demo" / "baton.db"
    summary = json.loads(demo.stdout.strip().splitlines()[-1])
    r.demo = {"summary": summary, "db": db}
    store = ("--store", f"sqlite:///{db}")
    hours = next(q for q in summary["quarantined"] if q["rule"] == "hours.invalid")
    con = sqlite3.connect(db)
    try:
        (raw,) = con.execute(
            "SELECT payload FROM quarantine WHERE id = ?", (hours["id"],)
        ).fetchone()
    finally:
        con.close()
    edited = r.root / "fixed.json"
    edited.write_text(json.dumps({**json.loads(raw), "hours": 7.25}), encoding="utf-8")
    r.demo["hours_item"] = hours

    r.before = db_snapshot(db)
    replay = ("quarantine", "replay", "--dry-run", *store, "--erp-url", ERP_URL)
    r.start("status", "status", *store)
    r.start("q_list", "quarantine", "list", *store)
    r.start("q_list_hr", "quarantine", "list", *store, "--owner", "hr")
    r.start("q_show", "quarantine", "show", hours["id"], *store)
    r.start("q_show_missing", "quarantine", "show", "nope", *store)
    r.start("replay_all", *replay, "--all")
    r.start("replay_edited", *replay, hours["id"], "--payload", edited)
    r.start("replay_nothing", *replay)
    r.start("dead_list", "deadletter", "list", *store)
    for name in list(r.futures):
        r.futures[name].result()
    r.after = db_snapshot(db)


# -- the demo ------------------------------------------------------------------


def test_demo_once_last_line_is_the_summary(runs):
    assert_ok(runs["demo"])
    s = runs.demo["summary"]
    assert (s["posted"], s["duplicates"], s["rejected"]) == (240, 12, 6)
    assert (s["erp_records"], s["erp_duplicates"]) == (240, 0)
    assert len(s["quarantined"]) == 6
    assert {q["rule"]: q["owner"] for q in s["quarantined"]} == RULES
    for q in s["quarantined"]:
        assert q["reason"]
        assert q["id"]
        assert q["entry"].startswith("te-bad-")
    assert s["api"].startswith("http://127.0.0.1:")
    assert not s["api"].endswith(":0")  # --port 0 bound a real port
    c = s["connectors"]  # Harvest → Xero through configured connectors
    assert c["harvest_approved"] == c["accepted"] == c["xero_entries"] > 0
    assert c["harvest_pages"] >= 3
    assert c["harvest_not_approved"] > 0
    assert c["xero_duplicates"] == 0
    assert c["repull_duplicates"] == c["harvest_approved"]


# -- version, migrate, stores --------------------------------------------------


def test_version(runs):
    assert assert_ok(runs["version"]).strip() == "baton 0.1.0"


def test_migrate_creates_the_store(runs):
    assert "is up to date" in assert_ok(runs["migrate"])
    db = runs.root / "new" / "m.db"
    assert {"deliveries", "quarantine", "dead_letters", "inbox"} <= set(db_snapshot(db))


def test_unknown_store_scheme_is_one_line(runs):
    assert_user_error(runs["mysql"], "mysql://x", "sqlite:///PATH")


# -- refdata load --------------------------------------------------------------


def test_refdata_load_prints_counts_and_stores(runs):
    out = assert_ok(runs["ref_good"])
    assert out.strip() == "loaded 40 projects, 60 workers, 3 pay_codes"
    db = runs.root / "ref_good.db"
    assert count_refdata(db) == {"project": 40, "worker": 60, "pay_code": 3}


@pytest.mark.parametrize(
    ("name", "needle"),
    [("ref_not_json", "not valid JSON"), ("ref_bad_row", "erp_employee_id")],
)
def test_refdata_load_broken_workers_is_one_error_line(runs, name, needle):
    res = runs[name]
    assert_user_error(res, needle)
    assert "loaded" not in res.stdout
    assert count_refdata(runs.root / f"{name}.db") == {}  # nothing half-loaded


# -- config check --------------------------------------------------------------


def test_config_check_good_file(runs):
    out = assert_ok(runs["good.yaml"])
    assert ": ok (store sqlite:///" in out
    assert ERP_URL in out


def test_config_check_bad_file_names_every_problem(runs):
    assert_user_error(
        runs["bad.yaml"],
        "bad.yaml: ",
        "port: ",
        "bogus_key: Extra inputs are not permitted",
        "erp.url: ",
        "erp.timeout_seconds: ",
    )


def test_config_check_not_yaml_is_one_error_line(runs):
    assert_user_error(runs["not_yaml.yaml"], "not valid YAML")


# -- schema export -------------------------------------------------------------


def test_schema_export_writes_one_valid_schema_per_entity(runs):
    out = assert_ok(runs["schema"])
    files = sorted((runs.root / "schemas").glob("*.json"))
    assert len(files) >= 20
    assert f"wrote {len(files)} schemas" in out
    ids = set()
    for file in files:
        doc = json.loads(file.read_text(encoding="utf-8"))
        entity = file.name.removesuffix(".schema.json")
        assert doc["$id"].endswith(f"/{entity}.json")
        assert doc["type"] == "object"
        ids.add(doc["$id"])
    assert len(ids) == len(files)
    assert "TimeEntry.schema.json" in {f.name for f in files}


# -- status, quarantine and dead letters over the demo's store -----------------


def _table_rows(out: str) -> set[tuple[str, ...]]:
    return {
        tuple(cell.strip() for cell in line.strip("│ ").split("│"))
        for line in out.splitlines()
        if line.startswith("│")
    }


def test_status_counts_the_demo(runs):
    rows = _table_rows(assert_ok(runs["status"]))
    assert rows == {
        ("deliveries", "confirmed", "240"),
        ("quarantine", "open", "6"),
        ("inbox", "accepted", "240"),
        ("inbox", "rejected", "6"),
    }


def test_quarantine_list_shows_rule_owner_and_amount(runs):
    out = assert_ok(runs["q_list"])
    assert out.strip().endswith("6 item(s)")
    rows = {row[0]: row for row in _table_rows(out)}
    assert len(rows) == 6
    for q in runs.demo["summary"]["quarantined"]:
        _, entity, record, rule, owner, amount, reason = rows[q["id"]]
        assert (entity, record, rule, owner) == (
            "TimeEntry",
            q["entry"],
            q["rule"],
            q["owner"],
        )
        assert reason == q["reason"]
        assert amount == (f"{q['amount']} USD" if q["amount"] else "")


def test_quarantine_list_by_owner(runs):
    out = assert_ok(runs["q_list_hr"])
    assert out.strip().endswith("2 item(s)")
    assert {row[3] for row in _table_rows(out)} == {
        "worker.unknown",
        "pay_code.unknown",
    }


def test_quarantine_show(runs):
    q = runs.demo["hours_item"]
    doc = json.loads(assert_ok(runs["q_show"]))
    assert (doc["id"], doc["rule"], doc["status"]) == (q["id"], "hours.invalid", "open")
    assert (doc["owner_team"], doc["amount"]) == ("delivery_ops", q["amount"])
    assert doc["payload"]["entry_id"] == "te-bad-hours"
    assert doc["payload"]["hours"] == 7.3
    assert doc["fix"]
    assert_user_error(runs["q_show_missing"], "no quarantine item nope")


def test_quarantine_replay_dry_run_all_previews(runs):
    out = assert_ok(runs["replay_all"])
    assert out.strip().splitlines()[-1] == "6 item(s) (dry run: nothing sent)"
    for q in runs.demo["summary"]["quarantined"]:
        assert f"{q['id']}: still rejected ({q['rule']}): {q['reason']}" in out


def test_quarantine_replay_dry_run_edited_payload_previews_the_send(runs):
    out = assert_ok(runs["replay_edited"])
    item = runs.demo["hours_item"]["id"]
    assert f"{item}: would send to erp key=erp:TimeEntry:te-bad-hours:v1" in out
    preview = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert preview["changes"] == {"hours": {"from": 7.3, "to": 7.25}}
    assert preview["body"]["externalId"] == "te-bad-hours"
    assert preview["body"]["hours"] == 7.25
    assert out.strip().endswith("1 item(s) (dry run: nothing sent)")


def test_quarantine_replay_needs_a_selection(runs):
    assert_user_error(runs["replay_nothing"], "say which items")


def test_read_only_commands_and_dry_runs_change_nothing(runs):
    assert runs.before["quarantine"] == 6
    assert runs.after == runs.before


def test_deadletter_list(runs):
    out = assert_ok(runs["dead_list"])
    assert out.strip().endswith("0 item(s)")
    assert _table_rows(out) == set()
