"""What the docs site takes from the rest of the repository is where the site expects it.

``make docs`` would fail on these too, but later and slower; ``make test`` names the fix.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_readme_has_the_command_reference_section_the_docs_include():
    include = (DOCS / "en" / "commands.md").read_text(encoding="utf-8")
    markers = re.findall(r':(?:start-after|end-before): "([^"]+)"', include)
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(markers) == 2
    for marker in markers:
        assert marker in readme, (
            f"README.md has no line {marker!r}: docs/en/commands.md includes the README "
            "between these two headings; rename them in both places")
    assert readme.index(markers[0]) < readme.index(markers[1])


@pytest.mark.parametrize("result", sorted((ROOT / "benchmarks" / "results").glob("*.md")),
                         ids=lambda p: p.name)
def test_every_benchmark_table_has_a_title_for_its_docs_page(result):
    first = result.read_text(encoding="utf-8").lstrip().splitlines()[0]
    assert first.startswith("# "), f"{result.name} must start with a '# ' title (its page title)"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_tutorial_has_a_numbered_title_and_asserts_its_numbers(language):
    sources = sorted((DOCS / language / "tutorial_sources").glob("tutorial_*.py"))
    assert sources
    for number, source in enumerate(sources, start=1):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        title = ast.get_docstring(tree).strip().splitlines()[0]
        assert title.startswith(f"{number}. "), f"{source.name}: title {title!r}"
        asserts = sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
        assert asserts >= 4, f"{source.name} checks only {asserts} numbers"
