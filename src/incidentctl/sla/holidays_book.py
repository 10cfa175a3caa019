"""Public holidays from the ``holidays`` library, remembered between runs.

Asking the ``holidays`` library about any one country imports the modules of all of
them (~80 ms on a 2-core machine), which is more than a one-record command may spend
in all. Its answers — which countries and subdivisions it knows, and the holidays of
a country, subdivision and year — change only with the library's version, so a
repository with a cache keeps them in ``.incidentctl-cache/holidays.json`` under that
version, and the library is asked only for what the file does not hold yet. A file
of another version, or one that cannot be read, is ignored and written afresh.
"""

from __future__ import annotations

import atexit
import contextlib
import json
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

from incidentctl.store.atomic import write_atomic

FILE_NAME = "holidays.json"


class _Book:
    def __init__(self) -> None:
        self.version = ""
        self.countries: dict[str, list[str]] | None = None
        self.dates: dict[str, frozenset[date]] = {}
        self.path: Path | None = None
        self.changed = False


_book = _Book()


def remember_in(path: Path) -> None:
    """Keep the answers in ``path`` (read now when it holds this version's answers;
    written when the process ends, if it learnt something and the folder exists)."""
    if _book.path == path:
        return
    if _book.path is None:
        atexit.register(save)
    else:
        save()
    _book.path = path
    _book.version = version("holidays")
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError, KeyError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["version"] == _book.version:
            countries = data["countries"]
            if countries is not None and _book.countries is None:
                _book.countries = {str(k): [str(s) for s in v] for k, v in countries.items()}
            for key, days in data["dates"].items():
                _book.dates.setdefault(str(key), frozenset(map(date.fromisoformat, days)))


def save() -> None:
    """Write what was learnt (atomically); a folder that is gone or read-only is no error."""
    path = _book.path
    if path is None or not _book.changed or not path.parent.is_dir():
        return
    data: dict[str, Any] = {
        "version": _book.version,
        "countries": _book.countries,
        "dates": {k: sorted(d.isoformat() for d in v) for k, v in sorted(_book.dates.items())},
    }
    with contextlib.suppress(OSError):
        write_atomic(path, json.dumps(data, separators=(",", ":")) + "\n")
        _book.changed = False


def supported() -> dict[str, list[str]]:
    """Country code -> its subdivision codes, for every country the library knows."""
    if _book.countries is None:
        import holidays

        _book.countries = {k: list(v) for k, v in holidays.list_supported_countries().items()}
        _book.changed = True
    return _book.countries


def holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """The public holidays (observed days included) of one country/subdivision and year."""
    key = f"{country}/{subdiv or ''}/{year}"
    found = _book.dates.get(key)
    if found is None:
        import holidays

        found = frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))
        _book.dates[key] = found
        _book.changed = True
    return found
