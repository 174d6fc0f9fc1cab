"""Peer benchmark: Baton and Node-RED on the same workload, in one invocation.

Runs the shared "time-entry posting" workload (``../shared/bench/peers``, see
its README for what is measured) through the peers' ``bench.py``: one run per
tool per round, the tool order alternating between rounds, so that the noise
of a shared machine hits both tools alike. Then it

* keeps each run's JSON as ``bench/results/<date>-<tool>-run<k>.json`` and a
  ``<date>-summary.json`` (machine, command, medians, ratios, floor check);
* prints the medians per tool, the Baton/Node-RED ratios and the issue's floor.

Everything bulky lives in the git-ignored ``bench/.work/``: the workload data
(``gen_workload.py``, SHA-256 checked), Node 24 and Node-RED (installed on
first use, see ``nodered_setup.py``), and bench.py's per-run state and logs.

    make bench                                       # 3 rounds, both tools
    .venv/bin/python bench/run.py --tools nodered --runs 1 --limit 2000
    .venv/bin/python bench/run.py --tools baton --baton-arg=--log-level=info

Exit status: 0 when every run completed (a missed floor is a measurement, not
a failure), 1 when a tool run crashed, 2 when set-up failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from nodered_setup import SetupError, ensure_all, node_version
from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
WORK = BENCH / ".work"
DATA = WORK / "data"
NPM_DIR = WORK / "npm"
RAW = WORK / "results"
RESULTS = BENCH / "results"
BATON = PROJECT / ".venv" / "bin" / "baton"

TOOLS = ("baton", "nodered")
LABELS = {"baton": "Baton", "nodered": "Node-RED"}
PORTS = {"baton": 18181, "nodered": 1880}
SINK_PORT = 18080
RUN_TIMEOUT_S = 1800.0  # one bench.py run: start-up + warm-up + 20,000 POSTs
NOISY_PCT = 20.0  # other jobs' share of the machine's CPU that makes a run suspect

# time-entry-posting/v1 as published in the peers' RESULTS.md (sha256sum format)
_V1_SUMS = """
f5e98c965fbc0e9e03fd8384362d8836cd9a1aa7d9f8eace8bda76c70de3c766  workload.jsonl
7894396189965821ddb59bc5a9c72d31bfe090634a28e5be9c596d82680615fb  projects.json
d5dd893c6bac11229aa9e8949df24b627759462943edd0898626205a5f87a526  workers.json
642dd258bda972b1461e48395d311f5e89f1e8134511b768a2be294f9f9602e1  pay_codes.json
98e465c4011064abd5753936ec628b3f389e3b65eb9e60d2ca3f490705e94372  warmup.jsonl
"""
WORKLOAD_SHA256 = {
    name: sha for sha, name in map(str.split, _V1_SUMS.split("\n")[1:-1])
}

# the floor for Baton (medians over the runs; counts exact in every run)
FLOOR_THROUGHPUT = 1000.0
FLOOR_P99_MS = 100.0
FLOOR_RSS_MIB = 250.0
FLOOR_STARTUP_S = 1.5
EXPECTED = {"posted": 18_620, "duplicate": 988, "rejected": 392}

Run = dict[str, Any]
Metric = Callable[[Run], float]

MEDIANS: dict[str, Metric] = {
    "throughput_posts_per_s": lambda r: r["throughput_posts_per_s"],
    "p50_ms": lambda r: r["latency_ms"]["p50"],
    "p95_ms": lambda r: r["latency_ms"]["p95"],
    "p99_ms": lambda r: r["latency_ms"]["p99"],
    "peak_rss_mib": lambda r: r["memory"]["peak_rss_mib_total"],
    "tool_cpu_s": lambda r: r["cpu_seconds_measured_phase"]["tool_tree"],
    "startup_s": lambda r: r["startup_to_webhook_ready_s"],
    "wall_s": lambda r: r["wall_s_first_send_to_last_sink_receipt"],
    "driver_cpu_s": lambda r: r["cpu_seconds_measured_phase"]["driver"],
    "other_cpu_pct": lambda r: r["noise"]["other_cpu_pct_of_machine"],
}


def _failed_responses(r: Run) -> int:
    status: dict[str, int] = r["http_status"]
    return sum(n for s, n in status.items() if int(s) >= 500 or int(s) < 0)


def _other_outcomes(r: Run) -> int:
    outcomes: dict[str, int] = r["outcomes"]
    return int(r["posts"]) - sum(outcomes.get(k, 0) for k in EXPECTED)


COUNTS: dict[str, Callable[[Run], int]] = {
    "sink_received": lambda r: r["sink"]["received"],
    "sink_dups": lambda r: r["sink"]["duplicates_received"],
    "sink_bad": lambda r: r["sink"]["bad_received"],
    "sink_mapping_errors": lambda r: r["sink"]["mapping_errors"],
    "posted": lambda r: r["outcomes"].get("posted", 0),
    "duplicate": lambda r: r["outcomes"].get("duplicate", 0),
    "rejected": lambda r: r["outcomes"].get("rejected", 0),
    "other_outcome": _other_outcomes,
    "http_5xx_or_failed": _failed_responses,
}

console = Console(highlight=False)


def log(line: str) -> None:
    print(line, flush=True)


def error(line: str) -> None:
    print(f"bench: {line}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- arguments
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="bench/run.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "--runs", type=int, default=3, help="rounds, one run per tool each (default 3)"
    )
    ap.add_argument(
        "--limit",
        type=int,
        default=0,
        help="send only the first N POSTs (smoke test; no count check)",
    )
    ap.add_argument(
        "--tools",
        type=_tools,
        default=list(TOOLS),
        help="comma-separated, from: baton,nodered (default: both)",
    )
    ap.add_argument(
        "--baton-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for 'baton serve', repeatable; "
        "write --baton-arg=--flag for values starting with '-'",
    )
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.limit < 0:
        ap.error("--limit must be 0 (all) or positive")
    return args


def _tools(text: str) -> list[str]:
    names = list(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    unknown = [t for t in names if t not in TOOLS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {','.join(TOOLS)}")
    return names


# ------------------------------------------------------------------- set-up
def peers_dir() -> Path:
    env = os.environ.get("BATON_PEERS_DIR")
    peers = Path(env) if env else PROJECT.parent / "shared" / "bench" / "peers"
    if not (peers / "bench.py").is_file():
        raise SetupError(f"peer benchmark not found at {peers} (set BATON_PEERS_DIR)")
    return peers.resolve()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ensure_workload(peers: Path) -> dict[str, Any]:
    """Generate bench/.work/data once; check every file against the manifest."""
    manifest_path = DATA / "manifest.json"
    if not manifest_path.exists():  # gen_workload.py writes the manifest last
        log(f"workload: generating {rel(DATA)} with gen_workload.py ...")
        cmd = [sys.executable, str(peers / "gen_workload.py"), "--out", str(DATA)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
            raise SetupError(f"gen_workload.py failed: {' '.join(last)}")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    hint = f"(remove {rel(DATA)} to regenerate it)"
    for name, want in manifest["sha256"].items():
        path = DATA / name
        got = _sha256(path) if path.exists() else "missing"
        if got != want:
            raise SetupError(
                f"workload check failed: {name} SHA-256 {got[:16]} "
                f"!= manifest {want[:16]} {hint}"
            )
    for name, want in WORKLOAD_SHA256.items():
        if manifest["sha256"].get(name) != want:
            raise SetupError(
                f"workload check failed: {name} is not time-entry-posting/v1 "
                f"as published in the peers' RESULTS.md {hint}"
            )
    log(f"workload: {manifest['workload']}, {manifest['posts']} POSTs, SHA-256 ok")
    return manifest


def check_baton() -> str:
    """Fail early, in one line, when 'baton serve' is not usable yet."""
    try:
        proc = subprocess.run(
            [str(BATON), "serve", "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SetupError(f"baton: cannot run {rel(BATON)}: {exc}") from exc
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise SetupError(
            f"baton: `{rel(BATON)} serve --help` failed ({' '.join(last)}); "
            "use --tools nodered until it works"
        )
    version = subprocess.run(
        [str(BATON), "--version"], capture_output=True, text=True, check=False
    )
    return (version.stdout or version.stderr).strip().partition("\n")[0][:120]


# ------------------------------------------------------------------ running
def rel(path: Path | str) -> str:
    """A path as shown to people: relative to the project when under its parent."""
    text = str(path)
    if text.startswith(f"{PROJECT}/"):
        return text[len(str(PROJECT)) + 1 :]
    if text.startswith(f"{PROJECT.parent}/"):
        return os.path.relpath(text, PROJECT)
    return text


def busy_ports(tool: str) -> list[int]:
    busy = []
    for port in (SINK_PORT, PORTS[tool]):
        with socket.socket() as s:
            s.settimeout(1.0)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(port)
    return busy


def bench_command(
    peers: Path, tool: str, args: argparse.Namespace, out: Path
) -> list[str]:
    cmd = [sys.executable, str(peers / "bench.py"), "--tool", tool, "--runs", "1"]
    cmd += ["--data", str(DATA), "--out", str(out)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if tool == "baton":
        cmd += ["--baton", str(BATON), *(f"--baton-arg={a}" for a in args.baton_arg)]
    else:
        cmd += ["--npm-dir", str(NPM_DIR)]
    return cmd


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop bench.py and what it started (its own process group), by its id."""
    for sig, grace in ((signal.SIGINT, 40.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def call(cmd: list[str], env: dict[str, str], log_path: Path) -> int:
    """Run one bench.py, output to log_path; returns its exit status (-1: timeout)."""
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=WORK,
            start_new_session=True,
        )
        try:
            return proc.wait(RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log(f"  timed out after {RUN_TIMEOUT_S:.0f} s; stopping it")
            _stop_group(proc)
            return -1
        except KeyboardInterrupt:
            _stop_group(proc)
            raise


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    fields = [
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _tail(path: Path, lines: int = 12) -> str:
    text = path.read_text(errors="replace").strip().splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in text)


def run_one(
    peers: Path, tool: str, k: int, args: argparse.Namespace, node: Path | None
) -> Run | None:
    """Round k for one tool: its JSON (with "crashed" if the tool stopped
    answering), or None when bench.py itself failed."""
    out = RAW / f"round{k}"
    out.mkdir(parents=True, exist_ok=True)
    tag = tool + (f"-limit{args.limit}" if args.limit else "")
    raw_json = out / f"{tag}-run1.json"
    raw_json.unlink(missing_ok=True)
    log_path = out / f"{tag}-bench.log"
    busy = busy_ports(tool)
    if busy:
        log(f"  {tool}: CRASH, port(s) {busy} already in use on 127.0.0.1")
        return None
    cmd = bench_command(peers, tool, args, out)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # peers folder is read-only
    if node is not None:
        env["PEERBENCH_NODE"] = str(node)
    load_before = os.getloadavg()
    t0, busy0, ours0 = time.monotonic(), _busy_cpu_s(), _children_cpu_s()
    rc = call(cmd, env, log_path)
    elapsed = time.monotonic() - t0
    # CPU used meanwhile by processes outside this benchmark (other jobs)
    others = (_busy_cpu_s() - busy0) - (_children_cpu_s() - ours0)
    if rc != 0 or not raw_json.exists():
        log(f"  {tool}: CRASH (bench.py exit {rc}); log {rel(log_path)}:")
        log(_tail(log_path))
        return None
    run: Run = json.loads(raw_json.read_text())
    run["round"] = k
    run["bench_py"] = shlex.join(rel(c) for c in cmd)
    run["bench_py_seconds"] = round(elapsed, 1)
    run["noise"] = {
        "loadavg_before": [round(x, 2) for x in load_before],
        "other_cpu_s": round(max(others, 0.0), 1),
        "other_cpu_pct_of_machine": round(
            100 * max(others, 0.0) / (elapsed * (os.cpu_count() or 1)), 1
        ),
    }
    no_answer = run["http_status"].get("-1", 0)
    if no_answer:  # bench.py completes even when the tool died mid-run
        run["crashed"] = f"{no_answer} POSTs got no HTTP response"
        log(f"  {tool}: CRASH, {run['crashed']}; log {rel(log_path)}")
        return run
    log(
        f"  {tool}: {run['throughput_posts_per_s']:.0f} POSTs/s, "
        f"p99 {run['latency_ms']['p99']:.1f} ms, "
        f"RSS {run['memory']['peak_rss_mib_total']:.0f} MiB, "
        f"sink {run['sink']['received']} "
        f"({elapsed:.0f} s; other jobs used "
        f"{run['noise']['other_cpu_pct_of_machine']:.0f}% of the CPU meanwhile)"
        + (" NOISY" if run["noise"]["other_cpu_pct_of_machine"] > NOISY_PCT else "")
    )
    return run


def run_rounds(
    peers: Path, args: argparse.Namespace, node: Path | None
) -> tuple[dict[str, list[Run]], list[str]]:
    runs: dict[str, list[Run]] = {t: [] for t in args.tools}
    crashed: list[str] = []
    for k in range(1, args.runs + 1):
        order = args.tools if k % 2 else args.tools[::-1]
        log(f"round {k}/{args.runs}: {' then '.join(order)}")
        for tool in order:
            run = run_one(peers, tool, k, args, node)
            if run is None or "crashed" in run:
                crashed.append(f"{tool} round {k}")
            if run is not None:
                runs[tool].append(run)
    return runs, crashed


# ------------------------------------------------------------------ results
def summarize(runs: list[Run]) -> dict[str, Any]:
    return {
        "version": runs[0]["version"],
        "runs": len(runs),
        "median": {
            name: round(statistics.median(f(r) for r in runs), 2)
            for name, f in MEDIANS.items()
        },
        "counts_per_run": {name: [f(r) for r in runs] for name, f in COUNTS.items()},
    }


def ratios(summaries: dict[str, dict[str, Any]]) -> dict[str, float]:
    if not {"baton", "nodered"} <= summaries.keys():
        return {}
    b, n = summaries["baton"]["median"], summaries["nodered"]["median"]
    keys = ("throughput_posts_per_s", "p99_ms", "peak_rss_mib")
    return {k: round(b[k] / n[k], 2) for k in keys if n[k]}


_EXACT = {
    **EXPECTED,
    "sink_received": EXPECTED["posted"],
    "sink_dups": 0,
    "sink_bad": 0,
    "sink_mapping_errors": 0,
    "other_outcome": 0,
    "http_5xx_or_failed": 0,
}


def floor_checks(summary: dict[str, Any], full: bool) -> list[dict[str, Any]]:
    """The issue's floor; ``ok`` is None where it does not apply (--limit)."""
    m, c = summary["median"], summary["counts_per_run"]
    checks = [
        ("POSTs/s >= 1000", m["throughput_posts_per_s"], FLOOR_THROUGHPUT, 0),
        ("p99 <= 100 ms", m["p99_ms"], FLOOR_P99_MS, 1),
        ("peak RSS <= 250 MiB", m["peak_rss_mib"], FLOOR_RSS_MIB, 0),
        ("start-up <= 1.5 s", m["startup_s"], FLOOR_STARTUP_S, 2),
    ]
    rows = [
        {
            "check": name,
            "value": value,
            "shown": _fmt(value, digits),
            "ok": value >= bound if ">=" in name else value <= bound,
        }
        for name, value, bound, digits in checks
    ]
    wrong = [
        f"{name} {_join(c[name])}"
        for name, want in _EXACT.items()
        if any(v != want for v in c[name])
    ]
    rows.append(
        {
            "check": "exact counts (18620/988/392, 0/0/0)",
            "value": wrong,  # the counts that differ, per run
            "shown": ", ".join(wrong),
            "ok": not wrong if full else None,
        }
    )
    return rows


def _join(values: list[int]) -> str:
    """One value when all runs agree, else every run's value."""
    return str(values[0]) if len(set(values)) == 1 else ",".join(map(str, values))


def machine_info(node: Path | None) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    os_name = next(
        (
            ln.split("=", 1)[1].strip('"')
            for ln in Path("/etc/os-release").read_text().splitlines()
            if ln.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "mem_total_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20, 1),
        "os": os_name,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node_version(node) if node else None,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def save(
    runs: dict[str, list[Run]], summary: dict[str, Any], stamp: str, limit: int
) -> list[Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = f"-limit{limit}" if limit else ""
    paths = []
    for tool, tool_runs in runs.items():
        for run in tool_runs:
            paths.append(RESULTS / f"{stamp}-{tool}{tag}-run{run['round']}.json")
            paths[-1].write_text(json.dumps(run, indent=1) + "\n")
    summary["run_files"] = [p.name for p in paths]
    paths.append(RESULTS / f"{stamp}{tag}-summary.json")
    paths[-1].write_text(json.dumps(summary, indent=1) + "\n")
    return paths


# ------------------------------------------------------------------- output
def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


# (label, median key, decimals, shown with a Baton/Node-RED ratio)
MEDIAN_ROWS = [
    ("POSTs/s", "throughput_posts_per_s", 0, True),
    ("p50 ms", "p50_ms", 1, False),
    ("p95 ms", "p95_ms", 1, False),
    ("p99 ms", "p99_ms", 1, True),
    ("peak RSS MiB", "peak_rss_mib", 0, True),
    ("tool CPU s", "tool_cpu_s", 1, False),
    ("start-up s", "startup_s", 2, False),
    ("wall s", "wall_s", 1, False),
    ("other jobs' CPU %", "other_cpu_pct", 0, False),
]
COUNT_ROWS = [
    ("sink received", "sink_received"),
    ("sink dups", "sink_dups"),
    ("sink bad", "sink_bad"),
    ("sink mapping errors", "sink_mapping_errors"),
    ("outcome posted", "posted"),
    ("outcome duplicate", "duplicate"),
    ("outcome rejected", "rejected"),
    ("outcome other", "other_outcome"),
    ("HTTP 5xx or failed", "http_5xx_or_failed"),
]


def print_medians(summaries: dict[str, dict[str, Any]], posts: int) -> None:
    tools = list(summaries)
    rat = ratios(summaries)
    runs = ", ".join(f"{LABELS[t]} {summaries[t]['runs']}" for t in tools)
    table = Table(
        title=f"time-entry posting v1, {posts:,} POSTs, concurrency 32",
        caption=f"medians ({runs} runs); counts listed per run if they differ",
        min_width=66,
    )
    table.add_column("metric")
    for t in tools:
        table.add_column(LABELS[t], justify="right")
    extra = [""] if rat else []
    if rat:
        table.add_column("Baton / Node-RED", justify="right")
    versions = (str(summaries[t]["version"])[:24] for t in tools)
    table.add_row("version", *versions, *extra)
    for label, key, digits, with_ratio in MEDIAN_ROWS:
        cells = [_fmt(summaries[t]["median"][key], digits) for t in tools]
        if rat:
            cells.append(f"{rat[key]:.2f}x" if with_ratio and key in rat else "")
        table.add_row(label, *cells)
    table.add_section()
    for label, key in COUNT_ROWS:
        cells = [_join(summaries[t]["counts_per_run"][key]) for t in tools]
        table.add_row(label, *cells, *extra)
    console.print(table)


def print_floor(floors: dict[str, list[dict[str, Any]]]) -> None:
    table = Table(
        title="issue floor",
        caption="applies to Baton; other tools shown for reference",
    )
    table.add_column("check")
    for tool in floors:
        table.add_column(LABELS[tool], justify="right")
    names = [row["check"] for row in next(iter(floors.values()))]
    for i, name in enumerate(names):
        table.add_row(name, *(_verdict(floors[t][i]) for t in floors))
    console.print(table)


def _verdict(row: dict[str, Any]) -> str:
    if row["ok"] is None:
        return "[dim]n/a (--limit)[/dim]"
    verdict = "[green]PASS[/green]" if row["ok"] else "[red]FAIL[/red]"
    return f"{row['shown']}  {verdict}" if row["shown"] else verdict


# --------------------------------------------------------------------- main
def prepare(args: argparse.Namespace) -> tuple[Path, dict[str, Any], Path | None]:
    peers = peers_dir()
    log(f"peers: {rel(peers)}")
    manifest = ensure_workload(peers)
    node = ensure_all(NPM_DIR, log) if "nodered" in args.tools else None
    if "baton" in args.tools:
        log(f"baton: {check_baton() or '(no --version output)'}")
    return peers, manifest, node


def build_summary(
    args: argparse.Namespace,
    manifest: dict[str, Any],
    machine: dict[str, Any],
    done: dict[str, list[Run]],
    crashed: list[str],
    started: datetime,
) -> dict[str, Any]:
    ok = {t: [r for r in rs if "crashed" not in r] for t, rs in done.items()}
    summaries = {t: summarize(rs) for t, rs in ok.items() if rs}
    full = not args.limit or args.limit >= manifest["posts"]
    return {
        "date": started.isoformat(timespec="seconds"),
        "workload": manifest["workload"],
        "posts": args.limit or manifest["posts"],
        "concurrency": 32,
        "rounds": args.runs,
        "command": shlex.join(["bench/run.py", *args.argv]),
        "bench_py_round1": {t: r[0]["bench_py"] for t, r in done.items()},
        "machine": machine,
        "tools": summaries,
        "ratios_baton_over_nodered": ratios(summaries),
        "floor": {
            "applies_to": "baton",
            "checks": {t: floor_checks(s, full) for t, s in summaries.items()},
        },
        "crashed": crashed,  # runs left out of the medians
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    started = datetime.now().astimezone()
    try:
        peers, manifest, node = prepare(args)
    except SetupError as exc:
        error(str(exc))
        return 2
    machine = machine_info(node)
    runs, crashed = run_rounds(peers, args, node)
    done = {t: r for t, r in runs.items() if r}
    if done:
        summary = build_summary(args, manifest, machine, done, crashed, started)
        paths = save(done, summary, started.strftime("%Y-%m-%d"), args.limit)
        if summary["tools"]:
            print_medians(summary["tools"], summary["posts"])
            print_floor(summary["floor"]["checks"])
        log(f"results: {rel(paths[-1])} (+{len(paths) - 1} run files)")
    if crashed:
        error(f"crashed: {', '.join(crashed)} (logs under {rel(RAW)})")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
