"""The Korean docs (docs/ko) are parallel sources of the English ones (docs/en).

Every English tutorial and translated page has a Korean counterpart; a Korean tutorial runs the
same code as the English one (only comments, prose and string literals may differ), so both
execute and assert the same numbers; and the Korean text uses the terms Korean courses use.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
EN, KO = DOCS / "en", DOCS / "ko"

#: English pages that have a Korean version (API, command and benchmark pages: English only).
TRANSLATED_PAGES = ("index.rst", "getting_started.rst", "tutorial_sources/GALLERY_HEADER.rst")

#: Terms of Korean machine-learning courses the Korean tutorials must use.
TERMS = ("손실 함수", "정규화", "경사 하강법", "미니배치", "소프트맥스", "특징 벡터",
         "가중치", "편향", "학습률")

HANGUL = re.compile("[\uac00-\ud7a3]")


def tutorials(folder):
    return sorted(p.name for p in (folder / "tutorial_sources").glob("tutorial_*.py"))


def code_tokens(path):
    """The token stream of a Python file without comments, blank lines and string contents."""
    strings = {tokenize.STRING, *(getattr(tokenize, n) for n in ("FSTRING_MIDDLE",)
                                  if hasattr(tokenize, n))}
    skip = {tokenize.COMMENT, tokenize.NL}
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type in skip:
            continue
        out.append((tok.type, "<str>" if tok.type in strings else tok.string, tok.start[0]))
    return out


def test_there_are_six_tutorials():
    assert len(tutorials(EN)) == 6, tutorials(EN)


@pytest.mark.parametrize("name", tutorials(EN))
def test_every_english_tutorial_has_a_korean_one(name):
    assert (KO / "tutorial_sources" / name).exists(), f"docs/ko/tutorial_sources/{name} is missing"


def test_no_korean_tutorial_without_an_english_one():
    assert set(tutorials(KO)) <= set(tutorials(EN))


@pytest.mark.parametrize("page", TRANSLATED_PAGES)
def test_translated_pages_exist_in_korean(page):
    assert (EN / page).exists(), page
    ko = KO / page
    assert ko.exists(), f"docs/ko/{page} is missing"
    assert len(HANGUL.findall(ko.read_text(encoding="utf-8"))) > 20, f"docs/ko/{page} is not Korean"


@pytest.mark.parametrize("name", tutorials(EN))
def test_korean_tutorial_runs_the_same_code(name):
    en, ko = EN / "tutorial_sources" / name, KO / "tutorial_sources" / name
    if not ko.exists():
        pytest.fail(f"docs/ko/tutorial_sources/{name} is missing")
    en_tokens, ko_tokens = code_tokens(en), code_tokens(ko)
    for a, b in zip(en_tokens, ko_tokens, strict=False):
        assert a[:2] == b[:2], (
            f"docs/ko/tutorial_sources/{name}:{b[2]}: the code differs from the English "
            f"(line {a[2]}: {a[1]!r} vs {b[1]!r}); only comments and strings may differ")
    assert len(en_tokens) == len(ko_tokens), f"{name}: the Korean code is longer or shorter"


@pytest.mark.parametrize("name", tutorials(EN))
def test_korean_tutorial_is_written_in_korean(name):
    ko = KO / "tutorial_sources" / name
    if not ko.exists():
        pytest.fail(f"docs/ko/tutorial_sources/{name} is missing")
    comments = [t.string for t in tokenize.generate_tokens(
        io.StringIO(ko.read_text(encoding="utf-8")).readline) if t.type == tokenize.COMMENT]
    hangul = sum(len(HANGUL.findall(c)) for c in comments)
    assert hangul > 300, f"{name}: only {hangul} Hangul characters in the Korean prose"


def test_korean_tutorials_use_the_course_terms():
    text = "".join(p.read_text(encoding="utf-8") for p in (KO / "tutorial_sources").glob("*.py"))
    missing = [t for t in TERMS if t not in text]
    assert not missing, f"the Korean tutorials never use {missing}"


def test_code_comparison_catches_a_changed_number(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1  # one\nassert abs(x - 5.27) < 0.01\n")
    b.write_text("x = 1  # 하나\nassert abs(x - 5.28) < 0.01\n")
    assert [t[:2] for t in code_tokens(a)] != [t[:2] for t in code_tokens(b)]
    b.write_text("x = 1  # 하나\n\nassert abs(x - 5.27) < 0.01\n")
    assert [t[:2] for t in code_tokens(a)] == [t[:2] for t in code_tokens(b)]
