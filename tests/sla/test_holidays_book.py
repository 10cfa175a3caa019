"""The holidays library's answers, kept in the cache folder under the library's version."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import holidays
import pytest

from incidentctl.sla import holidays_book


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh, empty book for the test (the module keeps one per process)."""
    monkeypatch.setattr(holidays_book, "_book", holidays_book._Book())


def _refuse(*args: object, **kwargs: object) -> object:
    raise AssertionError("the holidays library was asked")


@pytest.mark.usefixtures("book")
def test_answers_are_kept_and_then_read_without_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / holidays_book.FILE_NAME
    holidays_book.remember_in(path)
    assert date(2026, 12, 28) in holidays_book.holiday_dates("GB", "ENG", 2026)
    assert "ENG" in holidays_book.supported()["GB"]
    holidays_book.save()
    data = json.loads(path.read_text())
    assert data["version"] == holidays.__version__
    assert "2026-12-28" in data["dates"]["GB/ENG/2026"]

    monkeypatch.setattr(holidays_book, "_book", holidays_book._Book())
    monkeypatch.setattr(holidays, "country_holidays", _refuse)
    monkeypatch.setattr(holidays, "list_supported_countries", _refuse)
    holidays_book.remember_in(path)
    assert date(2026, 12, 28) in holidays_book.holiday_dates("GB", "ENG", 2026)
    assert "NY" in holidays_book.supported()["US"]
    with pytest.raises(AssertionError, match="library was asked"):
        holidays_book.holiday_dates("GB", "ENG", 2027)  # not kept yet


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize(
    "text",
    [
        '{"version": "0.0.1", "countries": {"GB": []}, "dates": {"GB//2026": []}}',  # old
        "not json",
        '{"version": null}',
        "[]",
        '{"version": "%s", "countries": 3, "dates": {}}',
    ],
    ids=["other-version", "not-json", "no-fields", "not-an-object", "wrong-types"],
)
def test_a_file_of_another_version_or_damaged_is_ignored_and_rewritten(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / holidays_book.FILE_NAME
    path.write_text(text.replace("%s", holidays.__version__))
    holidays_book.remember_in(path)
    assert date(2026, 12, 28) in holidays_book.holiday_dates("GB", None, 2026)
    assert "ENG" in holidays_book.supported()["GB"]
    holidays_book.save()
    data = json.loads(path.read_text())
    assert data["version"] == holidays.__version__
    assert "2026-12-28" in data["dates"]["GB//2026"]


@pytest.mark.usefixtures("book")
def test_nothing_is_written_without_the_folder_or_without_news(tmp_path: Path) -> None:
    gone = tmp_path / "gone" / holidays_book.FILE_NAME
    holidays_book.remember_in(gone)
    holidays_book.holiday_dates("US", "NY", 2026)
    holidays_book.save()
    assert not gone.parent.exists()

    path = tmp_path / holidays_book.FILE_NAME
    holidays_book.remember_in(path)
    holidays_book.save()  # what was learnt goes to the file now used
    assert "US/NY/2026" in json.loads(path.read_text())["dates"]
    path.unlink()
    holidays_book.holiday_dates("US", "NY", 2026)
    holidays_book.save()
    assert not path.exists()  # nothing new: no write
    holidays_book.holiday_dates("US", "NY", 2025)
    holidays_book.save()
    assert "US/NY/2025" in json.loads(path.read_text())["dates"]


def test_a_one_record_command_does_not_import_the_countries(base_repo: Path) -> None:
    """After a whole `validate` (which makes the cache folder), `validate FILE` answers
    the policy rules' holiday questions from the book: no country module is loaded."""
    record = sorted((base_repo / "incidents").rglob("*.yaml"))[0]

    def validate(*paths: Path) -> str:
        script = (
            "import sys\n"
            "from incidentctl.__main__ import run\n"
            f"sys.argv = ['incidentctl', '--repo', {str(base_repo)!r}, 'validate',"
            f" *{[str(p) for p in paths]!r}]\n"
            "try:\n    run()\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, 'holidays.countries' in sys.modules, file=sys.stderr)\n"
        )
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        return run.stderr.splitlines()[-1]

    assert validate(record) == "0 True"  # no cache folder yet: nowhere to keep answers
    assert validate() == "0 True"
    assert (base_repo / ".incidentctl-cache" / holidays_book.FILE_NAME).is_file()
    assert validate(record) == "0 False"
