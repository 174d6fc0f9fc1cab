"""A real Tryton 8.2 server (SQLite) for the integration tests.

1. Template, built once: ``trytond-admin`` activates the modules (~25 s), then
   this file, run as a script with proteus in-process, creates the currency,
   the company, a chart of accounts and the fiscal year with periods and
   invoice sequences. The result is a SQLite file cached under
   ``$BATON_CACHE_DIR`` (default ``~/.cache/baton``) in ``tryton-<version>/``,
   named by a hash of the installed Tryton versions, the module list and the
   set-up code.
2. Per run: the template is copied into a temporary folder and ``trytond`` is
   started with ``-d <db>`` (it must preload the database, see the research
   report's gotcha 3) on a free 127.0.0.1 port; ready when a login works.

Only the server side imports trytond/proteus (in subprocesses); the client is
Baton's own connector.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import httpx

DB = "baton"
ADMIN = "admin"
PASSWORD = "baton-admin-pw"
# activating these pulls in party, company, currency, product, account,
# account_invoice, project, timesheet, project_revenue (the link of a
# purchase line to a task), purchase, sale, stock … (--activate-dependencies)
MODULES = ("project_invoice", "timesheet_cost", "purchase", "sale_opportunity")
COMPANY = "Baton Test Consulting"
# a service product sold and bought by the hour (in the template)
HOUR_PRODUCT = "Consulting hour"
HOUR_PRICE = 150
START_TIMEOUT = 60.0


class TrytonUnavailableError(RuntimeError):
    """The server could not be built or started."""


@dataclass
class TrytonServer:
    """A running trytond: where it listens and how to log in."""

    base_url: str
    database: str
    login: str
    password: str
    version: str
    timings: dict[str, float] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    folder: Path | None = None
    log: IO[bytes] | None = None

    def stop(self) -> None:
        """Terminate the process we started (by pid) and remove its folder."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _bin(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise TrytonUnavailableError(f"{path} not found: run `make setup`")
    return str(path)


def _config(folder: Path) -> Path:
    """trytond.conf for SQLite files in ``folder``; no [web] listen (env wins)."""
    conf = folder / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {folder}\nlanguage = en\n"
        "[session]\ntimeout = 3600\n[password]\nlength = 6\n"
    )
    return conf


def _versions() -> str:
    names = sorted(
        d.metadata["Name"].lower()
        for d in metadata.distributions()
        if d.metadata["Name"].lower().startswith(("trytond", "proteus"))
    )
    return ";".join(f"{n}={metadata.version(n)}" for n in names)


def template_path() -> Path:
    """Where the template for the installed versions is (or will be) cached."""
    try:
        version = metadata.version("trytond")
    except metadata.PackageNotFoundError as exc:
        raise TrytonUnavailableError(
            "trytond is not installed: run `make setup`"
        ) from exc
    key = hashlib.sha256(
        "|".join((_versions(), *MODULES, inspect.getsource(_populate))).encode()
    ).hexdigest()[:12]
    root = Path(os.environ.get("BATON_CACHE_DIR") or Path.home() / ".cache/baton")
    return root / f"tryton-{version}" / f"template-{key}.sqlite"


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-2000:]
        raise TrytonUnavailableError(f"{what} failed ({done.returncode}):\n{tail}")


def build_template(path: Path) -> float:
    """Build the template at ``path`` unless it exists; return seconds spent."""
    if path.exists():
        return 0.0
    t0 = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="baton-tryton-build-") as tmp:
        folder = Path(tmp)
        conf = _config(folder)
        (folder / f"{DB}.sqlite").touch()  # the SQLite backend needs the file
        secret = folder / "admin.pass"
        secret.write_text(PASSWORD + "\n")
        env = {**os.environ, "TRYTONPASSFILE": str(secret)}
        admin = [_bin("trytond-admin"), "-c", str(conf), "-d", DB]
        _run(
            [
                *admin,
                "--email",
                "admin@example.com",
                "-u",
                *MODULES,
                "--activate-dependencies",
            ],
            env,
            "trytond-admin",
        )
        _run([sys.executable, __file__, str(conf), DB], env, "template set-up")
        # the backup API includes the WAL; replace is atomic for parallel runs
        part = path.with_suffix(f".{os.getpid()}.part")
        src, dst = sqlite3.connect(folder / f"{DB}.sqlite"), sqlite3.connect(part)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        part.replace(path)
    return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(server: TrytonServer, deadline: float) -> None:
    """Poll until ``common.db.login`` succeeds (the pool loads before bind)."""
    body = {
        "id": 1,
        "method": "common.db.login",
        "params": [server.login, {"password": server.password}, "en"],
    }
    url = f"{server.base_url}/{server.database}/rpc/"
    with httpx.Client(timeout=10.0) as http:
        while True:
            assert server.proc is not None
            if server.proc.poll() is not None:
                raise TrytonUnavailableError(
                    f"trytond exited with {server.proc.returncode}"
                )
            try:
                reply = http.post(url, json=body)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TrytonUnavailableError(
                        "trytond did not answer in time"
                    ) from None
                time.sleep(0.05)
                continue
            if reply.status_code == 200 and "result" in reply.json():
                return
            raise TrytonUnavailableError(
                f"login failed: {reply.status_code} {reply.text}"
            )


def start_server(template: Path) -> TrytonServer:
    """Copy the template and start trytond on a free loopback port."""
    folder = Path(tempfile.mkdtemp(prefix="baton-tryton-"))
    shutil.copyfile(template, folder / f"{DB}.sqlite")
    conf = _config(folder)
    port = _free_port()
    env = {
        **os.environ,
        "TRYTOND_WEB__LISTEN": f"127.0.0.1:{port}",
        "TRYTOND_WEB__ROOT": "",
    }
    server = TrytonServer(
        base_url=f"http://127.0.0.1:{port}",
        database=DB,
        login=ADMIN,
        password=PASSWORD,
        version=metadata.version("trytond"),
        folder=folder,
    )
    server.log = (folder / "trytond.log").open("wb")
    t0 = time.perf_counter()
    try:
        server.proc = subprocess.Popen(
            [_bin("trytond"), "-c", str(conf), "-d", DB],
            cwd=folder,
            env=env,
            stdout=server.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_ready(server, time.monotonic() + START_TIMEOUT)
    except BaseException as exc:
        log = (folder / "trytond.log").read_text(errors="replace")[-2000:]
        server.stop()
        if isinstance(exc, TrytonUnavailableError):
            raise TrytonUnavailableError(f"{exc}\n--- trytond log ---\n{log}") from exc
        raise
    server.timings["start_s"] = round(time.perf_counter() - t0, 2)
    return server


def start() -> TrytonServer:
    """A running server on a fresh copy of the (cached) template."""
    path = template_path()
    built = build_template(path)
    server = start_server(path)
    server.timings["template_build_s"] = round(built, 2)
    return server


# --- template data, run as a script with proteus in-process -----------------


def _populate(conf: str, database: str) -> None:
    """Currency, company, chart of accounts, fiscal year with periods."""
    import datetime as dt
    from decimal import Decimal

    from proteus import Model, Wizard, config

    cfg = config.set_trytond(database, config_file=conf)
    data = Model.get("ir.model.data")

    def xml_id(module: str, fs_id: str) -> int:
        return int(data.get_id(module, fs_id, cfg.context))

    currency = Model.get("currency.currency")(
        name="Euro", code="EUR", symbol="€", rounding=Decimal("0.01"), digits=2
    )
    currency.save()
    party = Model.get("party.party")(name=COMPANY)
    party.save()
    wizard = Wizard("company.company.config")
    wizard.execute("company")
    wizard.form.party = party
    wizard.form.currency = currency
    wizard.execute("add")
    cfg._context = Model.get("res.user").get_preferences(True, {})
    (company,) = Model.get("company.company").find([])

    accounts = Model.get("account.account")
    chart = Wizard("account.create_chart")
    chart.execute("account")
    chart.form.account_template = Model.get("account.account.template")(
        xml_id("account", "account_template_root_en")
    )
    chart.form.company = company
    chart.execute("create_account")

    def account(code: str) -> Any:
        (found,) = accounts.find([("code", "=", code), ("company", "=", company.id)])
        return found

    chart.form.account_receivable = account("1.2.1")
    chart.form.account_payable = account("2.1.1")
    chart.form.category_account_revenue = account("4.2.2")
    chart.form.category_account_expense = account("5.1.3")
    chart.execute("create_properties")

    sequence = Model.get("ir.sequence.strict")
    kinds = Model.get("ir.sequence.type")
    year = dt.date.today().year
    moves = sequence(
        name=f"Moves {year}",
        company=company,
        sequence_type=kinds(xml_id("account", "sequence_type_account_move")),
    )
    moves.save()
    invoices = sequence(
        name=f"Invoices {year}",
        company=company,
        sequence_type=kinds(xml_id("account_invoice", "sequence_type_account_invoice")),
    )
    invoices.save()
    fiscal_year = Model.get("account.fiscalyear")(
        name=str(year),
        company=company,
        start_date=dt.date(year, 1, 1),
        end_date=dt.date(year, 12, 31),
        move_sequence=moves,
    )
    (row,) = fiscal_year.invoice_sequences
    for name in (
        "out_invoice_sequence",
        "in_invoice_sequence",
        "out_credit_note_sequence",
        "in_credit_note_sequence",
    ):
        setattr(row, name, invoices)
    fiscal_year.save()
    fiscal_year.click("create_period")

    category = Model.get("product.category")(name="Services", accounting=True)
    category.account_revenue = account("4.2.2")
    category.account_expense = account("5.1.3")
    category.save()
    template = Model.get("product.template")(
        name=HOUR_PRODUCT,
        type="service",
        default_uom=Model.get("product.uom")(xml_id("product", "uom_hour")),
        list_price=Decimal(HOUR_PRICE),
        account_category=category,
        salable=True,
        purchasable=True,
    )
    template.save()


if __name__ == "__main__":
    _populate(sys.argv[1], sys.argv[2])
