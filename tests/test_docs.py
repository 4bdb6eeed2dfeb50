"""The docs a reader can follow: the settings table is the settings' own, every cited doc exists, and
no doc or docstring cites what a reader cannot open (a `shared/` path outside the repository, or a
section number of a file there)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.settings import Settings, markdown_table

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- generated from simulator/settings.py by markdown_table(); tests/test_docs.py keeps it in step -->\n"


def _documents() -> list[Path]:
    found = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "fixtures").rglob("*.md"),
             *(ROOT / "fixtures").glob("*.yaml"), *(ROOT / "simulator").rglob("*.py"),
             *(ROOT / "contracts").rglob("*.json"), *(ROOT / "bench").glob("*.py"),
             *(ROOT / "scenarios").rglob("*.py"), *(ROOT / "scenarios" / "bundled").glob("*.yaml")]
    return sorted(found)


def test_the_settings_table_is_generated_from_the_settings():
    text = (ROOT / "docs" / "sandbox.md").read_text()
    assert MARKER in text, "docs/sandbox.md lost the marker of its generated settings table"
    table = text.split(MARKER, 1)[1].split("\n\n", 1)[0] + "\n"
    assert table == markdown_table(), (
        "docs/sandbox.md's settings table drifted from simulator/settings.py; replace it with the output of\n"
        "  .venv/bin/python -c 'from simulator.settings import markdown_table; print(markdown_table(), end=\"\")'")
    listed = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert listed == list(Settings().to_json()), "every setting, in order, once"


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_citation_a_reader_cannot_open(path: Path):
    text = path.read_text()
    assert "§" not in text, f"{path.name}: cite the source itself (URL), not a section number of a fact sheet"
    # (the README may name the folder the suite reads the specs from; no file in it is a citation)
    assert not re.search(r"shared/(reference|seeds|specs/\w)", text), f"{path.name}: cites a file outside the repository"
    for doc in set(re.findall(r"\bdocs/([\w.-]+\.md)", text)):
        assert (ROOT / "docs" / doc).is_file(), f"{path.name} cites docs/{doc}, which does not exist"
