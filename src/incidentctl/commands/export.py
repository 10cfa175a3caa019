"""``incidentctl export``: incidents, timeline events and SLA clocks as flat tables."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from incidentctl.commands.kpi import kpi_policies, skipped
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.kpi.export import TABLES, Row, clock_rows, event_rows, incident_row
from incidentctl.kpi.facts import incident_facts
from incidentctl.sla.calendar import to_seconds
from incidentctl.store.atomic import writing_atomic
from incidentctl.store.repo import Repository

FORMATS = ("ndjson", "csv")


@dataclass(frozen=True)
class ExportRequest:
    repo: Repository
    now: datetime
    format: str = "ndjson"
    out: Path | None = None  # a folder for all three tables; None: ``table`` on stdout
    table: str = "incidents"


def rows_by_incident(
    repo: Repository, now: datetime, err: TextIO
) -> Iterator[dict[str, list[Row]]]:
    """Each incident reported by ``now``, as it stood at ``now``: its rows of every
    table. Records are read one at a time and dropped (100,000 would take GiBs);
    invalid ones are warned of."""
    policies = kpi_policies(repo)
    at = to_seconds(now)
    for rel, record, _ in repo.iter_incidents(repo.incident_paths()):
        if record is None:
            skipped(repo, rel, err)
            continue
        fact = incident_facts(record.model, policies, now)
        if fact is None:
            continue  # reported after now
        model = record.model
        kept = [e for e in model.timeline if to_seconds(e.at) <= at]
        past = model.model_copy(update={"timeline": kept})
        yield {
            "incidents": [incident_row(past, fact, rel)],
            "events": list(event_rows(past)),
            "clocks": list(clock_rows(fact.clocks)),
        }
    repo.save_whole()


def tables(repo: Repository, now: datetime, err: TextIO) -> dict[str, list[Row]]:
    """Every table's rows for the incidents reported by ``now``, as they stood at ``now``."""
    out: dict[str, list[Row]] = {name: [] for name in TABLES}
    for rows in rows_by_incident(repo, now, err):
        for name, more in rows.items():
            out[name].extend(more)
    return out


def _cell(value: object) -> object:
    """A CSV cell: None is empty, booleans are true / false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class _Table:
    """One table written as its rows come, in either format."""

    def __init__(self, name: str, fmt: str, out: TextIO) -> None:
        self.columns = TABLES[name]
        self.out = out
        self.count = 0
        self.csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
        if self.csv is not None:
            self.csv.writerow(self.columns)

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.count += 1
            if self.csv is not None:
                self.csv.writerow([_cell(row[c]) for c in self.columns])
            else:
                self.out.write(json.dumps(row, ensure_ascii=False) + "\n")


def execute(request: ExportRequest, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print one table, or write all three into ``request.out``; exit code 0."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if request.format not in FORMATS:
        raise UsageError(f"--format: unknown format {request.format!r}", "use ndjson or csv")
    if request.table not in TABLES:
        raise UsageError(f"--table: unknown table {request.table!r}", "use " + ", ".join(TABLES))
    if request.out is None:
        table = _Table(request.table, request.format, out)
        for rows in rows_by_incident(request.repo, request.now, err):
            table.write(rows[request.table])
        return EXIT_CLEAN
    if request.out.exists() and not request.out.is_dir():
        raise UsageError(f"--out: {request.out} is not a folder", "give a folder to write into")
    request.out.mkdir(parents=True, exist_ok=True)
    # each table is written as its rows come into a temporary file; the three replace
    # the old ones only once every row is written (an error leaves the old files)
    paths = {name: request.out / f"{name}.{request.format}" for name in TABLES}
    with contextlib.ExitStack() as files:
        written = {
            name: _Table(name, request.format, files.enter_context(writing_atomic(path)))
            for name, path in paths.items()
        }
        for rows in rows_by_incident(request.repo, request.now, err):
            for name, more in rows.items():
                written[name].write(more)
    for name, table in written.items():
        print(f"{paths[name]}: {table.count} rows", file=err)
    return EXIT_CLEAN
