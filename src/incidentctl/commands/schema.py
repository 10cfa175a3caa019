"""``incidentctl schema``: JSON Schema (2020-12) of every file kind."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.model.config import RepoConfig
from incidentctl.model.incident import Incident
from incidentctl.model.kb import KbArticle
from incidentctl.store.atomic import write_atomic
from incidentctl.store.repo import POLICY_MODELS

KINDS: dict[str, type[BaseModel]] = {
    "incident": Incident,
    **POLICY_MODELS,
    "kb": KbArticle,
    "config": RepoConfig,
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_for(kind: str) -> dict[str, Any]:
    model = KINDS[kind]
    body = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": DIALECT, "$id": f"{kind}.schema.json", **body}


def execute(kind: str | None, out_dir: Path | None, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown file kind {kind!r}", "one of: " + ", ".join(KINDS))
    if out_dir is None:
        if kind is None:
            raise UsageError(
                "give a KIND to print, or --out DIR to write all schemas",
                "kinds: " + ", ".join(KINDS),
            )
        json.dump(schema_for(kind), out, indent=2)
        out.write("\n")
        return EXIT_CLEAN
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in [kind] if kind else list(KINDS):
        target = out_dir / f"{name}.schema.json"
        write_atomic(target, json.dumps(schema_for(name), indent=2) + "\n")
        out.write(f"wrote {target}\n")
    return EXIT_CLEAN
