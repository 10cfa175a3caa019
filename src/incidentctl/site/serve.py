"""Serving a built site on 127.0.0.1 only: for `site serve` and the browser tests."""

from __future__ import annotations

import functools
import re
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*?\ssrc=["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*?\shref=["']?((?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request log on the terminal."""


def server(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server for ``folder`` on 127.0.0.1 (port 0: any free port)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    return ThreadingHTTPServer((HOST, port), handler)


def external_resources(folder: Path) -> list[tuple[str, str]]:
    """(page, URL) of every script, style, image or frame a page would fetch from elsewhere.

    Links to other sites are fine (the reader chooses to follow them); resources are
    not, since the site must render with no network.
    """
    found = []
    for page in sorted(folder.rglob("*.html")):
        for m in _RESOURCE.finditer(page.read_text(encoding="utf-8", errors="replace")):
            found.append((page.relative_to(folder).as_posix(), m.group(1) or m.group(2)))
    return found
