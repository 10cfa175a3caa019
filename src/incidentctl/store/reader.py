"""Reading one file: bytes -> text -> data, every failure a diagnostic."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from incidentctl.checks import files
from incidentctl.checks.schema import schema_diagnostics
from incidentctl.diagnostics import Diagnostic
from incidentctl.model.incident import Incident
from incidentctl.store import yamlread
from incidentctl.store.source import Source

M = TypeVar("M", bound=BaseModel)

_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.M)
_FRONT_MATTER_END = re.compile(r"^---[ \t]*\r?$", re.M)


@dataclass
class Read:
    """What reading produced: the source (None if unreadable), the data, findings."""

    source: Source | None
    data: Any
    diagnostics: list[Diagnostic]


def read_text(path: str | Path, rel: str, max_bytes: int) -> tuple[str | None, list[Diagnostic]]:
    try:
        # bounded reads sized by the file: a huge file is not slurped, and no read asks
        # for the whole limit (a buffer of max_bytes each time: 26 µs instead of 11)
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            raw = handle.read(min(size, max_bytes) + 1)
            if size < len(raw) <= max_bytes:  # it grew meanwhile: the rest, still bounded
                raw += handle.read(max_bytes + 1 - len(raw))
            if len(raw) > max_bytes:
                size = os.fstat(handle.fileno()).st_size
                return None, [
                    files.TOO_LARGE.at(
                        rel,
                        1,
                        1,
                        f"file is {size} bytes, over the limit of {max_bytes} bytes",
                        "move large content out of the record, or raise limits.max_file_bytes"
                        " in incidentctl.yaml",
                    )
                ]
    except OSError as exc:
        return None, [files.UNREADABLE.at(rel, 1, 1, f"cannot read file: {exc.strerror}")]
    return decode_text(raw, rel)


def decode_text(raw: bytes, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes (from disk or from git) to text; binary, non-UTF-8 and conflicted files are refused."""
    if b"\x00" in raw:
        return None, [files.UNREADABLE.at(rel, 1, 1, "file is binary, not UTF-8 text")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            files.UNREADABLE.at(
                rel,
                line,
                1,
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                "save the file as UTF-8",
            )
        ]
    # substring tests are much cheaper than the regex, which only runs on a hit
    maybe = "<<<<<<<" in text or "=======" in text or ">>>>>>>" in text
    m = _CONFLICT.search(text) if maybe else None
    if m:
        line = text.count("\n", 0, m.start()) + 1
        return None, [
            files.CONFLICT_MARKERS.at(
                rel,
                line,
                1,
                "unresolved merge-conflict marker",
                "resolve the conflict and remove the <<<<<<< / ======= / >>>>>>> lines",
            )
        ]
    return text, []


def parse_yaml(text: str, source: Source) -> tuple[Any, list[Diagnostic]]:
    try:
        data = yamlread.load(text)
    except yamlread.YamlProblem as problem:
        rule = files.YAML_RULES[problem.kind]
        line = problem.line + source.line_offset
        return None, [rule.at(source.rel, line, problem.column, problem.message)]
    if data is None:
        return None, [
            files.EMPTY.at(source.rel, 1 + source.line_offset, 1, "the document is empty")
        ]
    if not isinstance(data, dict):
        return None, [
            files.NOT_MAPPING.at(
                source.rel,
                1 + source.line_offset,
                1,
                f"the top level is a {type(data).__name__}, not a mapping of fields",
            )
        ]
    return data, []


def read_yaml(path: Path, rel: str, max_bytes: int) -> Read:
    text, diags = read_text(path, rel, max_bytes)
    if text is None:
        return Read(None, None, diags)
    return yaml_from_text(text, rel)


def yaml_from_text(text: str, rel: str) -> Read:
    """Parse a YAML file's text (read from disk or from git)."""
    source = Source(rel, text)
    data, diags = parse_yaml(text, source)
    return Read(source, data, diags)


def read_front_matter(path: Path, rel: str, max_bytes: int) -> tuple[Read, str]:
    """Read a Markdown file with YAML front matter; returns the read and the body."""
    text, diags = read_text(path, rel, max_bytes)
    if text is None:
        return Read(None, None, diags), ""
    return split_front_matter(text, rel)


def split_front_matter(text: str, rel: str) -> tuple[Read, str]:
    """Parse the front matter of an article's text; returns the read and the body."""
    first, _, rest = text.partition("\n")
    end = _FRONT_MATTER_END.search(rest) if first.rstrip() == "---" else None
    if end is None:
        message = (
            "the article does not start with a '---' front matter block"
            if first.rstrip() != "---"
            else "the front matter block is not closed by a '---' line"
        )
        return Read(
            None,
            None,
            [files.FRONT_MATTER.at(rel, 1, 1, message, "start the file with ---, fields, ---")],
        ), ""
    yaml_text = rest[: end.start()]
    source = Source(rel, yaml_text, line_offset=1)
    data, diags = parse_yaml(yaml_text, source)
    return Read(source, data, diags), rest[end.end() :].lstrip("\n")


def validate_model(read: Read, model: type[M]) -> tuple[M | None, list[Diagnostic]]:
    """Validate parsed data against a model; errors are located in the source."""
    if read.source is None or read.data is None:
        return None, []
    try:
        return model.model_validate(read.data), []
    except ValidationError as exc:
        return None, list(schema_diagnostics(read.source, exc, model))


def parse_incident(source: Source) -> tuple[Incident | None, list[Diagnostic]]:
    """Parse and validate the text of an incident file: the model, if any, and findings."""
    data, problems = parse_yaml(source.text, source)
    model, schema_problems = validate_model(Read(source, data, problems), Incident)
    return model, problems + schema_problems


def read_clean_incidents(
    root: str, rels: Sequence[str], max_bytes: int
) -> list[tuple[str, Incident] | None]:
    """The text and record of each incident file of ``rels`` (under ``root``) without any
    finding, else None (a worker's path: a file with findings is read again by the
    parent, for messages).

    Step by step over all of them (every read, then every parse), not file by file:
    each step's code stays warm in the processor's caches, which saves time per file.
    """
    texts = [read_text(f"{root}/{rel}", rel, max_bytes)[0] for rel in rels]
    out: list[tuple[str, Incident] | None] = []
    for rel, text in zip(rels, texts, strict=True):
        if text is None:
            out.append(None)
            continue
        model, problems = parse_incident(Source(rel, text))
        out.append(None if model is None or problems else (text, model))
    return out
