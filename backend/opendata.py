"""Open-data tables and the streamed ZIP that carries them.

An app describes each table it publishes (`OpenTable`: its columns with their meaning and its
rows, an iterator straight from a server-side cursor); `zip_stream` writes the tables as CSV
files with a README.md describing every column, and yields the ZIP as it goes, so memory stays
flat however many rows there are. Cells of the `counts` columns that count 1 to 4 are left
blank (suppressed): a small count could single someone out.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

SUPPRESS_BELOW = 5


@dataclass
class OpenTable:
    name: str  # the CSV's file name, without ".csv"
    title: str
    description: str
    columns: list[tuple[str, str]]  # (name, meaning)
    # dicts keyed by column name (e.g. a `.values()` queryset, read through a server-side cursor)
    rows: Iterable[dict[str, Any]]
    counts: frozenset[str] = field(default_factory=frozenset)  # columns suppressed under SUPPRESS_BELOW


CHUNK_ROWS = 2000


def _cell(value: Any, is_count: bool) -> Any:
    if is_count and isinstance(value, int) and 0 < value < SUPPRESS_BELOW:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return "" if value is None else value


def _iterate(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A queryset through a server-side cursor, CHUNK_ROWS at a time; anything else as it is."""
    iterator = getattr(rows, "iterator", None)
    return iterator(chunk_size=CHUNK_ROWS) if iterator else iter(rows)


class _Sink(io.RawIOBase):
    """A write-only stream whose bytes the generator takes away after each write."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        self.size = 0
        return out


def readme(title: str, intro: str, tables: Sequence[OpenTable]) -> str:
    lines = [f"# {title}", "", intro, ""]
    for t in tables:
        lines += [f"## {t.name}.csv: {t.title}", "", t.description, "", "| column | meaning |", "|---|---|"]
        lines += [
            f"| `{name}` | {meaning}{' (blank: 1 to 4)' if name in t.counts else ''} |" for name, meaning in t.columns
        ]
        lines.append("")
    return "\n".join(lines)


def zip_stream(tables: Sequence[OpenTable], extra: dict[str, str], flush_bytes: int = 64 * 1024) -> Iterator[bytes]:
    """The ZIP of `tables` (CSV, UTF-8 with a BOM so spreadsheet programs read the Chinese)
    and the `extra` text files, yielded in pieces of about `flush_bytes`."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in extra.items():
            archive.writestr(name, text)
            yield sink.take()
        for table in tables:
            names = [name for name, _ in table.columns]
            with archive.open(f"{table.name}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow(names)
                for row in _iterate(table.rows):
                    writer.writerow([_cell(row[name], name in table.counts) for name in names])
                    if sink.size >= flush_bytes:
                        yield sink.take()
                text.flush()
                text.detach()
            yield sink.take()
    yield sink.take()
