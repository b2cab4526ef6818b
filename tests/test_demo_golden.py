"""The committed golden cases for the page's JavaScript equal what linclass computes now."""

import json
from pathlib import Path

import numpy as np
import pytest

from linclass.demo import golden
from linclass.losses import LOSSES

GOLDEN = Path(__file__).resolve().parent / "js" / "golden.json"


def _assert_same(committed, fresh, where="golden"):
    if isinstance(fresh, dict):
        assert committed.keys() == fresh.keys(), where
        for key in fresh:
            _assert_same(committed[key], fresh[key], f"{where}.{key}")
    elif isinstance(fresh, list) and fresh and not isinstance(fresh[0], int | float | list):
        assert len(committed) == len(fresh), where
        for i, (c, f) in enumerate(zip(committed, fresh, strict=True)):
            _assert_same(c, f, f"{where}[{i}]")
    elif isinstance(fresh, str):
        assert committed == fresh, where
    else:
        np.testing.assert_allclose(committed, fresh, rtol=1e-12, atol=1e-12, err_msg=where)


def test_committed_golden_file_is_current():
    committed = json.loads(GOLDEN.read_text())
    _assert_same(committed, golden.golden_cases(committed["seed"]))


def test_golden_cases_cover_every_loss_with_ties_and_large_scores():
    cases = golden.golden_cases()
    names = {c["loss_name"] for c in cases["losses"]}
    assert names == set(LOSSES)
    assert {c["loss_name"] for c in cases["objectives"]} == set(LOSSES)
    assert {"ties", "large", "lecture"} <= {c["case"] for c in cases["losses"]}


def test_write_is_atomic_and_round_trips(tmp_path):
    path = golden.write(tmp_path / "sub" / "golden.json", seed=1)
    assert json.loads(path.read_text())["seed"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["golden.json"]


def test_a_changed_library_value_is_caught():
    committed = json.loads(GOLDEN.read_text())
    committed["losses"][0]["loss"] += 1e-9
    with pytest.raises(AssertionError):
        _assert_same(committed, golden.golden_cases(committed["seed"]))
