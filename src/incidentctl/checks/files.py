"""Rules about files as files: size, encoding, YAML syntax, shape, location."""

from __future__ import annotations

from incidentctl.diagnostics import Severity, define

E = Severity.ERROR

UNREADABLE = define(
    "FIL001",
    "unreadable-file",
    E,
    """
    The file is binary or not valid UTF-8.

    Every incidentctl file is UTF-8 text. A binary file committed under
    `incidents/`, `policies/` or `kb/` by mistake, or a file saved in another
    encoding, cannot be read. Re-save it as UTF-8 or remove it.
    """,
)
TOO_LARGE = define(
    "FIL002",
    "file-too-large",
    E,
    """
    The file is larger than the configured limit (`limits.max_file_bytes`, 1 MiB by default).

    An incident is a few dozen lines; a file this large is almost certainly a
    mistake (a pasted log, an attachment) and would slow every run. Move the
    large content elsewhere and link to it, or raise the limit in
    `incidentctl.yaml`.
    """,
)
EMPTY = define(
    "FIL003",
    "empty-file",
    E,
    """
    The file is empty or contains only comments.

    Write the record, or delete the file if it was created by mistake.
    """,
)
SYNTAX = define(
    "FIL004",
    "yaml-syntax",
    E,
    """
    The file is not valid YAML.

    **Anti-pattern**

    ```yaml
    title: Payroll export fails
    timeline: [
    ```

    **Best practice**: close every bracket and quote; quote strings that contain
    `: ` or start with a special character.
    """,
)
DUPLICATE_KEY = define(
    "FIL005",
    "duplicate-key",
    E,
    """
    The same key appears twice in one mapping.

    Most YAML loaders silently keep the last value, so one of the two values is
    lost without a word. Keep exactly one.
    """,
)
ALIAS = define(
    "FIL006",
    "yaml-alias",
    E,
    """
    The file uses a YAML alias (`*name`).

    Records never need anchors and aliases, and aliases let a small file expand
    into an enormous one ("billion laughs"). Write the value out instead.
    """,
)
TOO_DEEP = define(
    "FIL007",
    "nesting-too-deep",
    E,
    """
    The data is nested more deeply than any incidentctl file needs (64 levels).

    Deep nesting is refused before it can exhaust the parser's stack.
    """,
)
NOT_MAPPING = define(
    "FIL008",
    "not-a-mapping",
    E,
    """
    The top level of the document is not a mapping of keys to values.

    **Anti-pattern**: a file that starts with `- id: INC-2026-0001`.

    **Best practice**: the record's fields at the top level, `id: INC-2026-0001`.
    """,
)
CONFLICT_MARKERS = define(
    "FIL009",
    "merge-conflict",
    E,
    """
    The file contains unresolved merge-conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`).

    Resolve the conflict, keeping the timeline entries of both sides in time
    order, and remove the markers.
    """,
)
FRONT_MATTER = define(
    "FIL010",
    "kb-front-matter",
    E,
    """
    A KB article does not start with a YAML front matter block.

    A KB article starts with `---` on the first line, then its YAML fields,
    then `---` on a line of its own, then the Markdown body.
    """,
)
MISSING_POLICY = define(
    "FIL011",
    "missing-policy",
    E,
    """
    A policy file that every repository needs is missing.

    `policies/priority.yaml`, `policies/sla.yaml`, `policies/services.yaml` and
    `policies/categories.yaml` are required. `incidentctl init DIR` writes
    commented examples of all four.
    """,
)
MISPLACED = define(
    "FIL012",
    "misplaced-file",
    E,
    """
    A file under `incidents/` or `kb/` is not where records live, or is not named like one.

    Incidents are `incidents/<year>/<ID>.yaml`; KB articles are
    `kb/<ID>-<slug>.md`. Anything else there is probably a mistake (an `.yml`
    extension, a file outside a year folder) and would be silently ignored.
    """,
)

YAML_RULES = {
    "yaml-syntax": SYNTAX,
    "duplicate-key": DUPLICATE_KEY,
    "yaml-alias": ALIAS,
    "too-deep": TOO_DEEP,
}
