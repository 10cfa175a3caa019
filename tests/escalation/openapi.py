"""GitHub's OpenAPI description, trimmed and corrected for Prism (test support).

- Trimmed to the operations the client uses, following every ``$ref``: Prism starts
  in about 2 s instead of about 17 s for the full 13 MB description.
- ``nullable: true`` beside ``oneOf`` / ``anyOf`` without a ``type``: Prism then
  skips validating the whole request body, silently; ``{type: null}`` is added to
  the alternatives and ``nullable`` removed (its validator refuses it without a
  ``type``).
- Responses list only ``application/json``, so Prism answers 406 to the
  ``Accept: application/vnd.github+json`` that GitHub documents: the description
  gets that media type too (the client stays as GitHub asks).
- The example ``Link`` header of list responses points at api.github.com; the
  client rightly refuses to follow a link to another host (it would carry the
  token), so the header is dropped. Pagination is tested against the fake.
- Some examples wrap a reference to an Example object as a ``value``; Prism would
  serve the Example object itself as the body. The reference is unwrapped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "node_modules/@octokit/openapi/generated/api.github.com.json"
USED = {
    "/repos/{owner}/{repo}/issues": ("get", "post"),
    "/repos/{owner}/{repo}/issues/{issue_number}": ("get", "patch"),
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ("post",),
    "/repos/{owner}/{repo}/labels": ("get", "post"),
    "/repos/{owner}/{repo}/pulls": ("post",),
}
GITHUB_MEDIA = "application/vnd.github+json"


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _normalise(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("nullable") is True and "type" not in node:
            for key in ("oneOf", "anyOf"):
                if key in node:
                    if {"type": "null"} not in node[key]:
                        node[key].append({"type": "null"})
                    # ajv refuses `nullable` without `type`; null is an alternative now
                    del node["nullable"]
                    break
        examples = node.get("examples")
        if isinstance(examples, dict):
            for name, example in examples.items():
                value = example.get("value") if isinstance(example, dict) else None
                if isinstance(value, dict) and list(value) == ["$ref"]:
                    examples[name] = value  # the Example object itself, not wrapped as a value
        headers = node.get("headers")
        if isinstance(headers, dict):
            for name in [h for h in headers if h.lower() == "link"]:
                del headers[name]
        content = node.get("content")
        if isinstance(content, dict) and "application/json" in content:
            content.setdefault(GITHUB_MEDIA, content["application/json"])
        for value in node.values():
            _normalise(value)
    elif isinstance(node, list):
        for value in node:
            _normalise(value)


def trimmed(source: Path = SOURCE) -> dict[str, Any]:
    """The description with only the used operations and what they reference."""
    full = json.loads(source.read_text(encoding="utf-8"))
    paths = {path: {m: full["paths"][path][m] for m in methods} for path, methods in USED.items()}
    out: dict[str, Any] = {
        "openapi": full["openapi"],
        "info": full["info"],
        "servers": full.get("servers", []),
        "paths": paths,
        "components": {},
    }
    seen: set[str] = set()
    todo: set[str] = set()
    _refs(paths, todo)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        target = _resolve(full, ref)
        _, section, name = ref.removeprefix("#/").split("/", 2)
        out["components"].setdefault(section, {})[name] = target
        found: set[str] = set()
        _refs(target, found)
        todo |= found - seen
    _normalise(out)
    return out


def write(dest: Path) -> Path:
    """Write the trimmed description to ``dest`` (JSON) and return it."""
    dest.write_text(json.dumps(trimmed()), encoding="utf-8")
    return dest
