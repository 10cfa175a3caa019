"""Audit findings (AUDxxx): what the replay of the history reports.

The lifecycle and append-only findings are the change rules of ``validate --base``
(``checks/changes.py``) applied to each commit of the branch; each CHG code has
its AUD twin so that a finding names where it was found. The others look at the
commits themselves: their timestamps, merges and signatures.
"""

from __future__ import annotations

from incidentctl.checks import changes
from incidentctl.diagnostics import Rule, Severity, define

E, W = Severity.ERROR, Severity.WARNING
EXPLAIN = "a deliberate correction says why in its commit message: `Incident-Correction: <reason>`"

ILLEGAL_TRANSITION = define(
    "AUD001",
    "illegal-transition-merged",
    E,
    """
    A commit on the branch appended a status step the lifecycle does not allow.

    The same check as CHG001 (`validate --base`), applied to every commit of the
    branch's first-parent history: the step reached the branch without the
    pull-request check, or in spite of it.
    """,
)
TIMELINE_REWRITTEN = define(
    "AUD002",
    "timeline-rewritten-in-history",
    E,
    """
    A commit on the branch edited, removed or reordered a timeline entry.

    The same check as CHG002. The timeline is append-only; a correction is a
    new `note` entry, not an edit.
    """,
)
IMMUTABLE_CHANGED = define(
    "AUD003",
    "immutable-field-changed-in-history",
    E,
    """
    A commit on the branch changed `id`, `reported_at` or `reported_by`.

    The same check as CHG003.
    """,
)
FINAL_CHANGED = define(
    "AUD004",
    "final-record-changed-in-history",
    E,
    """
    A commit on the branch changed a closed or cancelled record other than by a survey.

    The same check as CHG004.
    """,
)
RECORD_DELETED = define(
    "AUD005",
    "record-deleted-in-history",
    E,
    """
    A commit on the branch deleted an incident file or renamed it to another ID.

    The same check as CHG005. Records are never deleted or renumbered.
    """,
)
RECORD_MOVED = define(
    "AUD006",
    "record-moved-in-history",
    W,
    """
    A commit on the branch moved an incident file to another year folder.

    The same check as CHG006: allowed when it fixes the year folder, and reported.
    """,
)
NEW_NOT_NEW = define(
    "AUD007",
    "new-record-not-new-in-history",
    E,
    """
    A commit on the branch added a record not in `new`, with a timeline that does not explain how.

    The same check as CHG007.
    """,
)
BACKFILLED = define(
    "AUD008",
    "backfilled-record-in-history",
    W,
    """
    A commit on the branch added a record beyond `new`, with a complete and valid timeline.

    The same check as CHG008: back-filling is allowed and is reported so that an
    auditor can confirm it.
    """,
)
UNREADABLE_VERSION = define(
    "AUD009",
    "unreadable-version",
    W,
    """
    A version of a record on the branch does not parse or does not match the schema.

    Changes into and out of that version cannot be compared, so the audit cannot
    vouch for them. `validate` reports what is wrong with the file.
    """,
)
TIMESTAMP_DRIFT = define(
    "AUD010",
    "timestamp-drift",
    W,
    """
    Timeline entries are dated far from the commit that introduced them.

    An entry dated after the commit that added it cannot be true; one dated more
    than `audit.max_drift` (24h by default) before it was recorded late, or
    back-dated. A warning unless `audit.errors` lists AUD010.
    """,
)
DIRECT_PUSH = define(
    "AUD011",
    "direct-push",
    W,
    """
    A record was changed by a commit pushed straight to the branch, not by a merge.

    Reported only when `audit.require_merges` is true. A commit counts as merged
    when it is a merge commit or a squash commit whose subject names the pull
    request (`... (#123)`), as GitHub writes them. The first commit of the
    repository is not reported.
    """,
)
UNSIGNED = define(
    "AUD012",
    "unverified-signature",
    W,
    """
    A commit that changed a record is unsigned, or its signature does not verify.

    Reported only when `audit.require_signed` is true; the signature is checked
    by git (`%G?`) with the keys of the machine that runs the audit.
    """,
)
HISTORY_REWRITTEN = define(
    "AUD020",
    "history-rewritten",
    E,
    """
    A commit recorded by an earlier `audit --record` is no longer in the branch's history.

    The branch was rewritten (rebase, amend, force-push) after it was audited.
    The finding names the commits that disappeared, when this clone still has them.
    A new `audit --record`, run once the rewrite is confirmed, acknowledges it.
    """,
)
SEAL_MISMATCH = define(
    "AUD021",
    "audit-record-mismatch",
    E,
    """
    The digest stored by `audit --record` does not match the records at that commit.

    The note in `refs/notes/incidentctl` was edited, or written by another tool.
    """,
)

FROM_CHANGE: dict[str, Rule] = {
    changes.ILLEGAL_STEP.code: ILLEGAL_TRANSITION,
    changes.REWRITTEN.code: TIMELINE_REWRITTEN,
    changes.IMMUTABLE_CHANGED.code: IMMUTABLE_CHANGED,
    changes.FINAL_CHANGED.code: FINAL_CHANGED,
    changes.DELETED.code: RECORD_DELETED,
    changes.MOVED.code: RECORD_MOVED,
    changes.NEW_NOT_NEW.code: NEW_NOT_NEW,
    changes.BACKFILLED.code: BACKFILLED,
}
HINTS: dict[str, str] = {
    ILLEGAL_TRANSITION.code: "append the missing steps in a correction commit",
    TIMELINE_REWRITTEN.code: "restore the entry as it was and append a note with the correction",
    IMMUTABLE_CHANGED.code: "restore the field; note the correction in the timeline",
    FINAL_CHANGED.code: "restore the record; open a new incident for a recurrence",
    RECORD_DELETED.code: "restore the file under its ID (git restore --source <commit>^ -- <path>)",
    RECORD_MOVED.code: "confirm that the move only fixed the year folder",
    NEW_NOT_NEW.code: "append the missing steps so that the timeline explains the state",
    BACKFILLED.code: "confirm that the record was meant to be back-filled",
    UNREADABLE_VERSION.code: "run `incidentctl validate` at that commit to see what was wrong",
    TIMESTAMP_DRIFT.code: "confirm the times with the people involved",
    DIRECT_PUSH.code: "protect the branch so that changes arrive through pull requests",
    UNSIGNED.code: "sign commits (git config commit.gpgsign true), or import the signer's key",
    HISTORY_REWRITTEN.code: (
        "restore the branch from a clone that still has the commits; once the rewrite is"
        " confirmed, `audit --record` acknowledges it in a new audit point"
    ),
    SEAL_MISMATCH.code: "record a new audit point after checking who wrote the note",
}
CONFIGURABLE = frozenset({BACKFILLED.code, TIMESTAMP_DRIFT.code, DIRECT_PUSH.code, UNSIGNED.code})
