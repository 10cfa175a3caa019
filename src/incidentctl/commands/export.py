"""``incidentctl export``: incidents, timeline events and SLA clocks as flat tables."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from incidentctl.commands.kpi import collect_facts, kpi_policies
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.kpi.export import TABLES, Row, clock_rows, event_rows, incident_row
from incidentctl.sla.calendar import to_seconds
from incidentctl.store.atomic import write_atomic
from incidentctl.store.repo import Repository

FORMATS = ("ndjson", "csv")


@dataclass(frozen=True)
class ExportRequest:
    repo: Repository
    now: datetime
    format: str = "ndjson"
    out: Path | None = None  # a folder for all three tables; None: ``table`` on stdout
    table: str = "incidents"


def tables(repo: Repository, now: datetime, err: TextIO) -> dict[str, list[Row]]:
    """Every table's rows for the incidents reported by ``now``, as they stood at ``now``."""
    by_id = {f.id: f for f in collect_facts(repo, kpi_policies(repo), now, err)}
    at = to_seconds(now)
    out: dict[str, list[Row]] = {name: [] for name in TABLES}
    for rel in repo.incident_paths():
        record = repo.load_incident(rel)
        fact = by_id.get(record.model.id) if record is not None else None
        if record is None or fact is None:
            continue
        model = record.model
        kept = [e for e in model.timeline if to_seconds(e.at) <= at]
        past = model.model_copy(update={"timeline": kept})
        out["incidents"].append(incident_row(past, fact, rel))
        out["events"].extend(event_rows(past))
        out["clocks"].extend(clock_rows(fact.clocks))
    return out


def ndjson_lines(rows: Iterable[Row]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def write_csv(rows: Iterable[Row], columns: tuple[str, ...], out: TextIO) -> None:
    """CSV with a header row; None is an empty cell, booleans are true / false."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def render(name: str, rows: list[Row], fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        write_csv(rows, TABLES[name], out)
    else:
        out.writelines(ndjson_lines(rows))


def execute(request: ExportRequest, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print one table, or write all three into ``request.out``; exit code 0."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if request.format not in FORMATS:
        raise UsageError(f"--format: unknown format {request.format!r}", "use ndjson or csv")
    if request.table not in TABLES:
        raise UsageError(f"--table: unknown table {request.table!r}", "use " + ", ".join(TABLES))
    data = tables(request.repo, request.now, err)
    if request.out is None:
        render(request.table, data[request.table], request.format, out)
        return EXIT_CLEAN
    if request.out.exists() and not request.out.is_dir():
        raise UsageError(f"--out: {request.out} is not a folder", "give a folder to write into")
    request.out.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        buf = io.StringIO()
        render(name, rows, request.format, buf)
        path = request.out / f"{name}.{request.format}"
        write_atomic(path, buf.getvalue())
        print(f"{path}: {len(rows)} rows", file=err)
    return EXIT_CLEAN
