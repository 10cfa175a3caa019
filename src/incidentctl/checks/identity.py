"""Identity rules: an incident's ID, file name, year folder and uniqueness."""

from __future__ import annotations

from collections.abc import Iterator

from incidentctl.checks.context import Context, at
from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.store.repo import IncidentRecord

E = Severity.ERROR

ID_MISMATCH = define(
    "INC001",
    "id-filename-mismatch",
    E,
    """
    The `id` field differs from the file name.

    The file name is how people, links and tools find a record, so it must be
    exactly `<id>.yaml`. **Anti-pattern**: `incidents/2026/INC-2026-0042.yaml`
    containing `id: INC-2026-0043`.
    """,
)
YEAR_FOLDER = define(
    "INC002",
    "wrong-year-folder",
    E,
    """
    The year folder, or the year in the ID, is not the year of `reported_at`.

    `incidents/<year>/INC-<year>-<n>.yaml` where year is the year of
    `reported_at` as written (in its own offset). Move the file with
    `git mv`; moving only the year folder is the one rename the audit accepts.
    """,
)
DUPLICATE_ID = define(
    "INC003",
    "duplicate-id",
    E,
    """
    Two incident files carry the same ID.

    IDs are unique across the repository, whatever the year folder. This
    usually happens when two pull requests pick the same next number: give the
    later one the next free ID (`incidentctl new` picks it against the working
    tree and the upstream branch).
    """,
)


def check_identity(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src = rec.model, rec.source
    # the path's parts by hand: a PurePosixPath per record was half of this check's time
    parent, _, name = src.rel.rpartition("/")
    parent = parent.rpartition("/")[2]
    dot = name.rfind(".")
    stem = name[:dot] if dot > 0 else name
    if stem != inc.id:
        yield at(
            ID_MISMATCH,
            src,
            ("id",),
            f"id {inc.id} does not match the file name {name}",
            f"rename the file to {inc.id}.yaml or correct the id",
        )
    year = str(inc.reported_at.year)
    if parent != year:
        yield at(
            YEAR_FOLDER,
            src,
            ("reported_at",),
            f"reported in {year} but filed under incidents/{parent}/",
            f"git mv {src.rel} incidents/{year}/{name}",
        )
    elif inc.id.split("-")[1] != year:
        yield at(
            YEAR_FOLDER,
            src,
            ("id",),
            f"the ID {inc.id} names another year than reported_at ({year})",
        )


def check_unique_ids(ctx: Context) -> Iterator[Diagnostic]:
    files = ctx.repo.incident_files
    # checking some files: look their IDs up by name rather than list every file
    chosen = files.items() if ctx.ids is None else ((i, files.get(i, [])) for i in sorted(ctx.ids))
    for incident_id, rels in chosen:
        for rel in rels[1:]:
            yield DUPLICATE_ID.at(
                rel,
                1,
                1,
                f"{incident_id} is also used by {rels[0]}",
                "give one of them the next free ID",
            )
