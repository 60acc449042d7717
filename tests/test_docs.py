"""The Python examples of README.md and docs/*.md run, so they cannot rot.

How a page is executed:

- Its ```python blocks run in order, in one fresh namespace per page, inside a database
  test (rolled back afterwards).
- ``<!-- no-test -->`` on the line before a block leaves that block out: settings
  snippets, Celery configuration, code that needs a project around it.
- ``<!-- test-setup`` ... ``-->`` holds hidden Python run at that point of the page, for
  rows an example needs but a reader does not need to see.
- Trackers a page registers are dropped from the registry afterwards.
- Relative links between pages must point at files that exist.
- ``myapp.models`` is an alias of ``tests.testapp.models``, so examples can import
  ``Customer``, ``Order``, ``Comment`` and friends the way a project would.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
_NO_TEST = "<!-- no-test -->"
_SETUP_START = "<!-- test-setup"


@dataclass
class Example:
    line: int
    code: str


def examples(text: str) -> list[Example]:
    """The runnable Python of a page, in order, with the line each starts on."""
    lines = text.splitlines()
    found: list[Example] = []
    skip_next = False
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped == _NO_TEST:
            skip_next = True
        elif stripped.startswith(_SETUP_START):
            body: list[str] = []
            start = index + 2
            index += 1
            while lines[index].strip() != "-->":
                body.append(lines[index])
                index += 1
            found.append(Example(line=start, code="\n".join(body)))
        elif match := _FENCE.match(line):
            indent = len(match["indent"])
            body = []
            start = index + 2
            index += 1
            while lines[index].strip() != "```":
                body.append(lines[index][indent:])
                index += 1
            if match["lang"] == "python" and not skip_next:
                found.append(Example(line=start, code="\n".join(body)))
            skip_next = False
        elif stripped:
            skip_next = False
        index += 1
    return found


@pytest.fixture
def myapp(monkeypatch):
    from tests.testapp import models

    package = types.ModuleType("myapp")
    package.models = models  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "myapp", package)
    monkeypatch.setitem(sys.modules, "myapp.models", models)


@pytest.fixture
def _isolated_registry(monkeypatch):
    # Pages register trackers; the project-wide registry must not keep them.
    from trackstats.registry import registry

    monkeypatch.setattr(registry, "_entries", list(registry._entries))


def test_pages_are_found():
    names = {page.name for page in PAGES}
    assert {"README.md", "index.md", "concepts.md", "api.md", "upgrading.md"} <= names


def test_examples_parser_honours_markers():
    page = "\n".join(
        [
            "```python",
            "a = 1",
            "```",
            "<!-- no-test -->",
            "```python",
            "raise SystemExit",
            "```",
            "<!-- test-setup",
            "b = 2",
            "-->",
            "```bash",
            "make demo",
            "```",
            "1. A list item:",
            "   ```python",
            "   c = 3",
            "   ```",
        ]
    )
    assert [example.code for example in examples(page)] == ["a = 1", "b = 2", "c = 3"]
    assert [example.line for example in examples(page)] == [2, 9, 16]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_relative_links_point_at_files(page: Path):
    text = page.read_text(encoding="utf-8")
    broken = []
    for match in _LINK.finditer(text):
        target = match["target"].split("#", 1)[0]
        if not target or "://" in target or target.startswith("mailto:"):
            continue
        if not (page.parent / target).exists():
            broken.append(match["target"])
    assert not broken, f"{page.name} links to missing files: {broken}"


@pytest.mark.django_db
@pytest.mark.usefixtures("myapp", "_isolated_registry")
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_examples_run(page: Path):
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for example in examples(page.read_text(encoding="utf-8")):
        # Padding keeps the line numbers of a traceback those of the page.
        source = "\n" * (example.line - 1) + example.code
        exec(compile(source, str(page), "exec"), namespace)
