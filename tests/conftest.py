"""Shared fixtures: a throwaway PostgreSQL server for the persistence tests.

``pg_server`` (session scope) gives an admin URL of a PostgreSQL server:

- ``LOANFACTORY_TEST_PG_URL`` when set (a server someone runs; databases are created in it);
- otherwise a server started from the local binaries (``initdb``/``pg_ctl`` on PATH or under
  ``/usr/lib/postgresql/*/bin``) in a temporary directory on a free loopback port, stopped at the
  end. Root may not run PostgreSQL, so as root the server runs as the ``postgres`` (or ``nobody``)
  user. Under pytest-xdist each worker starts its own server, so nothing is shared.

Without PostgreSQL the tests that need it are skipped with a message saying how to enable them;
with ``LOANFACTORY_REQUIRE_PG=1`` (as in CI) they fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ENABLE_HINT = (
    "PostgreSQL tests need a server: install the PostgreSQL binaries (Debian: apt-get install postgresql) "
    "or set LOANFACTORY_TEST_PG_URL=postgresql://user:password@host:port/db"
)


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_user(user: str | None, command: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


def _unavailable(reason: str) -> None:
    if os.environ.get("LOANFACTORY_REQUIRE_PG") == "1":
        pytest.fail(f"LOANFACTORY_REQUIRE_PG=1 but {reason}. {ENABLE_HINT}")
    pytest.skip(f"{reason}. {ENABLE_HINT}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """An admin URL (``postgresql://...``) of a PostgreSQL server for this test session/worker."""
    given = os.environ.get("LOANFACTORY_TEST_PG_URL")
    if given:
        yield given
        return
    bindir = _binaries()
    if bindir is None:
        _unavailable("no PostgreSQL binaries (initdb) were found")
        return
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="lf-pg-"))
    data = root / "data"
    if user:
        shutil.chown(root, user)
    log = root / "server.log"
    init = subprocess.run(
        _as_user(
            user,
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr.strip()[-2000:]}")
    port = 0
    for _ in range(5):  # the port may be taken between choosing and binding it
        port = _free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        start = subprocess.run(
            _as_user(
                user,
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if start.returncode == 0:
            break
        time.sleep(0.2)
    else:
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else start.stderr
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {detail}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_user(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
