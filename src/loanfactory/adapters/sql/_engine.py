"""Database URLs and engines: SQLite (embedded default) and PostgreSQL.

- ``None`` means ``$LOANFACTORY_DB`` or ``sqlite:///loanfactory.db`` (a file in the working
  directory, created on first use); a bare path means a SQLite file; ``postgresql://`` and
  ``postgres://`` use the psycopg 3 driver.
- SQLite: WAL journal for files, a busy timeout, and every transaction opened with ``BEGIN
  IMMEDIATE`` so that two writers queue for the write lock instead of failing half-way (SQLite has
  one writer at a time; read-for-update is therefore the whole transaction).
- PostgreSQL: READ COMMITTED; ``Repository.lock`` takes row locks (``SELECT ... FOR UPDATE``).

:func:`concurrency_error` recognises the driver errors that mean "another writer got in the way"
(deadlock, serialisation failure, lock timeout, SQLite busy) so the store raises
:class:`loanfactory.ports.ConcurrentUpdate` for them: the caller may retry the command.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from loanfactory.errors import InvalidInput

DEFAULT_URL = "sqlite:///loanfactory.db"
ENV_URL = "LOANFACTORY_DB"
BUSY_TIMEOUT_S = 60.0

_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def database_url(url: str | URL | None = None) -> URL:
    """The SQLAlchemy URL for ``url`` (see the module docstring for the defaults)."""
    if url is None:
        url = os.environ.get(ENV_URL) or DEFAULT_URL
    if isinstance(url, str):
        text = url.strip()
        if not text:
            raise InvalidInput("the database URL is empty", field="url", message_zh="数据库地址为空")
        if "://" not in text:
            text = "sqlite:///" + text
        text = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", text)
        try:
            parsed = make_url(text)
        except Exception as exc:  # sqlalchemy raises ArgumentError with a plain message
            raise InvalidInput(f"'{mask_url(text)}' is not a database URL ({exc})", field="url") from None
    else:
        parsed = url
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise InvalidInput(
            f"unsupported database '{parsed.get_backend_name()}': use sqlite:///file.db or postgresql://...",
            field="url",
            message_zh="不支持的数据库：请使用 sqlite:///文件.db 或 postgresql://...",
        )
    return parsed


def mask_url(url: str | URL) -> str:
    """The URL with its password hidden (for logs, reprs and error messages)."""
    try:
        return (
            make_url(url).render_as_string(hide_password=True)
            if isinstance(url, str)
            else (url.render_as_string(hide_password=True))
        )
    except Exception:
        return re.sub(r":[^:@/]*@", ":***@", str(url))


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL | None = None, *, echo: bool = False, foreign_keys: bool = True) -> Engine:
    """An engine set up as the module docstring says."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo, foreign_keys=foreign_keys)
    return create_engine(
        parsed, echo=echo, pool_size=10, max_overflow=20, pool_recycle=1800, json_serializer=_json_text
    )


def _sqlite_engine(url: URL, *, echo: bool, foreign_keys: bool) -> Engine:
    memory = is_memory_sqlite(url)
    options: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}}
    if memory:  # one connection, or every connection would see its own empty database
        options["poolclass"] = StaticPool
    engine = create_engine(url, echo=echo, json_serializer=_json_text, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python's sqlite3 would open transactions lazily and commit before DDL; take control.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _json_text(value: Any) -> str:
    """JSON columns as readable text: Chinese stays Chinese (the default escapes it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def concurrency_error(exc: BaseException) -> bool:
    """True when ``exc`` means another writer got in the way (retrying may succeed)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database table is locked" in text
