"""Where the mock keeps its state: in memory (default) or in an SQLite file (survives a restart).

Every read and write happens inside `store.transaction()`, which is serialised (a lock in this process and, for
SQLite, `BEGIN IMMEDIATE` across processes sharing the file) and atomic: an exception inside leaves nothing written.
So concurrent requests never lose a write, and a check-then-create (e.g. a unique email) cannot race.

A record is stored only as strict JSON in UTF-8 (`Unstorable` otherwise: a lone surrogate, NaN), so whatever was
written can be read and sent back, also after a restart.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import typing
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InputError
from .model import R, Record, from_json, to_json
from .wire import has_lone_surrogate


class Unstorable(ValueError):
    """A record holds something that is not strict JSON text (the request that brought it is refused)."""


def record_text(record: Record) -> str:
    """A record as the store keeps it: compact JSON, UTF-8 text, no NaN; `Unstorable` when it cannot be."""
    try:
        text = json.dumps(to_json(record), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
        record.ident.encode("utf-8")
    except UnicodeEncodeError:
        raise Unstorable(
            f"{record.KIND} {record.ident} holds a lone UTF-16 surrogate, which is not Unicode text"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise Unstorable(f"{record.KIND} {record.ident} is not storable as JSON: {exc}") from None
    return text


_KINDS: dict[str, type[Record]] = {cls.KIND: cls for cls in typing.get_args(Record)}


class Transaction(ABC):
    """A consistent view of the state, with buffered writes."""

    @abstractmethod
    def _load(self, kind: str, ident: str) -> str | None: ...

    @abstractmethod
    def _load_all(self, kind: str) -> list[str]: ...

    @abstractmethod
    def _save(self, kind: str, ident: str, body: str | None) -> None: ...

    @abstractmethod
    def _bump(self, sequence: str, first: int) -> int: ...

    @abstractmethod
    def _raise_to(self, sequence: str, value: int) -> None: ...

    def get(self, cls: type[R], ident: str | int) -> R | None:
        if has_lone_surrogate(str(ident)):
            return None  # nothing is stored under a key that is not Unicode text
        body = self._load(cls.KIND, str(ident))
        return None if body is None else from_json(cls, json.loads(body))

    def all(self, cls: type[R]) -> list[R]:
        """Every record of a kind, in creation order."""
        return [from_json(cls, json.loads(body)) for body in self._load_all(cls.KIND)]

    def put(self, record: Record) -> None:
        self._save(record.KIND, record.ident, record_text(record))

    def delete(self, cls: type[Record], ident: str | int) -> bool:
        if has_lone_surrogate(str(ident)):
            return False
        existed = self._load(cls.KIND, str(ident)) is not None
        self._save(cls.KIND, str(ident), None)
        return existed

    def next_id(self, sequence: str, first: int = 1) -> int:
        """The next number of a sequence (`first` the first time); never handed out twice."""
        return self._bump(sequence, first)

    def reserve(self, sequence: str, value: int) -> None:
        """Make sure `next_id(sequence)` never hands out `value` or anything below it (used when seeding)."""
        self._raise_to(sequence, value)


class Store(ABC):
    """A transactional table of JSON records keyed by (kind, ident), plus named sequences."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Transaction]: ...

    @abstractmethod
    def close(self) -> None: ...

    def is_empty(self) -> bool:
        with self.transaction() as tx:
            return not tx._load_all("setting")


class _MemoryTransaction(Transaction):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.writes: dict[str, dict[str, str | None]] = {}
        self.sequences: dict[str, int] = {}

    def _load(self, kind: str, ident: str) -> str | None:
        pending = self.writes.get(kind, {})
        if ident in pending:
            return pending[ident]
        return self._store.tables.get(kind, {}).get(ident)

    def _load_all(self, kind: str) -> list[str]:
        merged: dict[str, str | None] = dict(self._store.tables.get(kind, {}))
        merged.update(self.writes.get(kind, {}))
        return [body for body in merged.values() if body is not None]

    def _save(self, kind: str, ident: str, body: str | None) -> None:
        self.writes.setdefault(kind, {})[ident] = body

    def _bump(self, sequence: str, first: int) -> int:
        current = self.sequences.get(sequence, self._store.sequences.get(sequence))
        value = first if current is None else current + 1
        self.sequences[sequence] = value
        return value

    def _raise_to(self, sequence: str, value: int) -> None:
        current = self.sequences.get(sequence, self._store.sequences.get(sequence))
        self.sequences[sequence] = value if current is None else max(current, value)

    def commit(self) -> None:
        for kind, rows in self.writes.items():
            table = self._store.tables.setdefault(kind, {})
            for ident, body in rows.items():
                if body is None:
                    table.pop(ident, None)
                else:
                    table[ident] = body
        self._store.sequences.update(self.sequences)


class MemoryStore(Store):
    """State in this process's memory; gone when the mock stops."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, str]] = {}
        self.sequences: dict[str, int] = {}
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            tx = _MemoryTransaction(self)
            yield tx
            tx.commit()

    def close(self) -> None:
        self.tables.clear()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ident TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (kind, ident)
);
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
APPLICATION_ID = 0x4A534D4D  # "JSMM" in the file header: a database the mock wrote (PRAGMA application_id)
_OBJECTS = {  # everything a mock database holds: (type, name) in sqlite_master → the table's columns
    ("table", "records"): {"seq", "kind", "ident", "body"},
    ("table", "sequences"): {"name", "value"},
    ("table", "sqlite_sequence"): {"name", "seq"},
    ("index", "sqlite_autoindex_records_1"): set(),
    ("index", "sqlite_autoindex_sequences_1"): set(),
}
_NOT_OURS_HINT = (
    "give --db a new file, or a database an earlier mock wrote; the mock never writes into another database"
)


class _SqliteTransaction(Transaction):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _load(self, kind: str, ident: str) -> str | None:
        row = self._conn.execute("SELECT body FROM records WHERE kind = ? AND ident = ?", (kind, ident)).fetchone()
        return None if row is None else str(row[0])

    def _load_all(self, kind: str) -> list[str]:
        rows = self._conn.execute("SELECT body FROM records WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
        return [str(row[0]) for row in rows]

    def _save(self, kind: str, ident: str, body: str | None) -> None:
        if body is None:
            self._conn.execute("DELETE FROM records WHERE kind = ? AND ident = ?", (kind, ident))
        else:
            self._conn.execute(
                "INSERT INTO records (kind, ident, body) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, ident) DO UPDATE SET body = excluded.body",
                (kind, ident, body),
            )

    def _bump(self, sequence: str, first: int) -> int:
        row = self._conn.execute(
            "INSERT INTO sequences (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            (sequence, first),
        ).fetchone()
        return int(row[0])

    def _raise_to(self, sequence: str, value: int) -> None:
        self._conn.execute(
            "INSERT INTO sequences (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
            (sequence, value),
        )


class SqliteStore(Store):
    """State in an SQLite file: survives a restart; safe for several processes sharing the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
            try:
                _refuse_foreign(self._conn, path)  # before anything is written to the file
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                self._conn.executescript(_SCHEMA)
            except BaseException:
                self._conn.close()
                raise
        except (sqlite3.DatabaseError, OSError) as exc:
            raise InputError(f"cannot open the mock database {path}: {exc}", hint=_NOT_OURS_HINT) from exc
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """InputError unless `conn` is empty or a mock database whose every record reads back (read-only checks)."""
    application = conn.execute("PRAGMA application_id").fetchone()[0]
    objects = {
        (kind, name): {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (name,))}
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master")
    }
    if application not in (0, APPLICATION_ID) or any(_OBJECTS.get(key) != columns for key, columns in objects.items()):
        listed = ", ".join(sorted(f"{kind} {name!r}" for kind, name in objects)) or "nothing"
        raise InputError(
            f"{path} is not a mock database (application id {application:#x}; it holds {listed})", hint=_NOT_OURS_HINT
        )
    if ("table", "records") not in objects:
        return
    for kind, ident, body in conn.execute("SELECT kind, ident, body FROM records ORDER BY seq"):
        try:
            from_json(_KINDS[kind], json.loads(body))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"the mock database {path} is damaged: record {kind!r} {ident!r} does not read back "
                f"({type(exc).__name__}: {str(exc)[:200]})",
                hint=_NOT_OURS_HINT,
            ) from None


def open_store(db: Path | None) -> Store:
    return MemoryStore() if db is None else SqliteStore(db)


def setting(tx: Transaction, name: str, default: Any = None) -> Any:
    from .model import Setting

    found = tx.get(Setting, name)
    return default if found is None else found.value
