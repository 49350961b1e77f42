"""A journal for the ``memory://`` stand-in: what the embedded mode writes survives Ctrl-C and a crash.

The journal is a thin layer, not a database engine: after every write the stand-in hands it the
*effect* of that write — the documents it touched, as they are now (or their absence, for a
delete) — and the journal appends one JSON line per document to ``journal.jsonl`` and fsyncs
before the write returns, so a write that was acknowledged is on disk. At start-up the snapshot
(``snapshot.jsonl``, one line per document) and then the journal are replayed in order (the last
line for a document wins; a torn last line, never acknowledged, is ignored), and the result is
written back as a new snapshot with an empty journal (compaction; also when the journal has grown
past ``compact_after`` lines). Values travel as MongoDB Extended JSON (``bson.json_util``), so
dates, ids and numbers come back as they went in.

Because the lines are in the order the writes happened, any prefix of the journal is a state the
store was in: an event consumed into one document is never on disk without the write that caused it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bson import json_util
from bson.json_util import JSONMode, JSONOptions
from bson.tz_util import utc

__all__ = ["Journal", "JournalCorrupt"]

SNAPSHOT = "snapshot.jsonl"
JOURNAL = "journal.jsonl"
_OPTIONS = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=utc)

Key = tuple[str, str, str]
"""(database, collection, the document id as Extended JSON)."""


class JournalCorrupt(Exception):
    """A line before the last one of the journal or snapshot cannot be read: the folder was damaged."""


def _dumps(value: Any) -> str:
    return json_util.dumps(value, json_options=_OPTIONS, ensure_ascii=False, separators=(",", ":"))


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Journal:
    """The data folder of one in-memory server: its snapshot, and the writes since."""

    def __init__(self, folder: Path | str, *, compact_after: int = 100_000) -> None:
        self.folder = Path(folder)
        self.compact_after = compact_after
        self._file: IO[str] | None = None
        self._lines = 0

    @property
    def is_fresh(self) -> bool:
        """Nothing was ever written in this folder."""
        return not (self.folder / SNAPSHOT).exists() and not (self.folder / JOURNAL).exists()

    def replay(self, client: Any) -> int:
        """Load the snapshot and the journal into the (empty) mongomock ``client``, then compact; how many documents."""
        self.folder.mkdir(parents=True, exist_ok=True)
        state: dict[Key, dict[str, Any]] = {}
        for name in (SNAPSHOT, JOURNAL):
            for entry in _entries(self.folder / name):
                _apply(state, entry)
        by_collection: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for (database, collection, _), document in state.items():
            by_collection.setdefault((database, collection), []).append(document)
        for (database, collection), documents in by_collection.items():
            client[database][collection].insert_many(documents)
        self.compact(client)
        return len(state)

    def record(self, database: str, collection: str, changes: list[tuple[Any, dict[str, Any] | None]]) -> None:
        """Append the documents one write left behind (None: deleted), and fsync: the write is durable when this returns."""
        if not changes:
            return
        lines = "".join(_dumps({"d": database, "c": collection, "id": doc_id, "doc": document}) + "\n" for doc_id, document in changes)
        file = self._open()
        file.write(lines)
        file.flush()
        os.fsync(file.fileno())
        self._lines += len(changes)

    def record_drop(self, database: str) -> None:
        """A whole database dropped."""
        file = self._open()
        file.write(_dumps({"drop": database}) + "\n")
        file.flush()
        os.fsync(file.fileno())
        self._lines += 1

    def due(self) -> bool:
        """The journal has grown long enough to be folded into the snapshot."""
        return self._lines >= self.compact_after

    def compact(self, client: Any) -> None:
        """Write every document of ``client`` as the new snapshot, then start an empty journal.

        A crash between the two renames leaves the new snapshot and the old journal: replaying that
        journal over it ends in the same state (each document's last line is what the snapshot holds).
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        self.close()
        temporary = self.folder / (SNAPSHOT + ".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            for database in client.list_database_names():
                for collection in client[database].list_collection_names():
                    for document in client[database][collection].find({}):
                        file.write(_dumps({"d": database, "c": collection, "id": document["_id"], "doc": document}) + "\n")
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.folder / SNAPSHOT)
        empty = self.folder / (JOURNAL + ".tmp")
        with empty.open("w", encoding="utf-8") as file:
            os.fsync(file.fileno())
        empty.replace(self.folder / JOURNAL)
        _fsync_folder(self.folder)
        self._lines = 0

    def close(self) -> None:
        """Close the journal file (it reopens on the next write)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self) -> IO[str]:
        if self._file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._file = (self.folder / JOURNAL).open("a", encoding="utf-8")
        return self._file


def _entries(path: Path) -> Iterator[dict[str, Any]]:
    """The lines of a journal or snapshot; a torn (unterminated) last line was never acknowledged and is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as file:
        lines = file.read().split("\n")
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if not line:
            continue
        try:
            yield json_util.loads(line, json_options=_OPTIONS)
        except ValueError as error:
            if number == last:
                return
            raise JournalCorrupt(f"{path}: line {number + 1} cannot be read ({error})") from error


def _apply(state: dict[Key, dict[str, Any]], entry: dict[str, Any]) -> None:
    if "drop" in entry:
        for key in [key for key in state if key[0] == entry["drop"]]:
            del state[key]
        return
    key = (entry["d"], entry["c"], _dumps(entry["id"]))
    if entry["doc"] is None:
        state.pop(key, None)
    else:
        state[key] = entry["doc"]
