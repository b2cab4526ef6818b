"""The shared --data flags: parsing, loading with progress, skipped-image line, exit status."""

import argparse

import numpy as np
import pytest
from PIL import Image

from linclass.cli._data import add_data_arguments, load_from_args
from linclass.errors import DataError


def parser(**kwargs):
    p = argparse.ArgumentParser(prog="t")
    add_data_arguments(p, **kwargs)
    return p


def test_defaults_and_values():
    args = parser().parse_args([])
    assert (args.data, args.split, args.image_size, args.skip_bad, args.val_size) == \
        ("digits", None, None, False, None)
    assert parser(split_default="test").parse_args([]).split == "test"
    args = parser().parse_args(["--data", "x.tgz", "--split", "train", "--image-size", "32",
                                "16", "--skip-bad", "--val-size", "0.2"])
    assert (args.data, args.split, args.image_size, args.skip_bad, args.val_size) == \
        ("x.tgz", "train", [32, 16], True, 0.2)
    assert parser().parse_args(["--val-size", "1000"]).val_size == 1000


@pytest.mark.parametrize("argv", [["--val-size", "abc"], ["--val-size", "1.5"],
                                  ["--split", "val"], ["--image-size", "0", "4"],
                                  ["--image-size", "32"]])
def test_bad_values_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_load_from_args_reports_skipped_images(tmp_path, capsys):
    for c in "ab":
        (tmp_path / c).mkdir()
        Image.fromarray(np.zeros((3, 3, 3), np.uint8)).save(tmp_path / c / "1.png")
    (tmp_path / "a" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    args = parser().parse_args(["--data", str(tmp_path), "--skip-bad"])
    ds = load_from_args(args)
    assert len(ds) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "skipped 1 unreadable images" in err and "broken.jpg" in err


def test_split_argument_overrides_and_errors_are_data_errors(tmp_path):
    args = parser(split_default="test").parse_args([])
    assert len(load_from_args(args, split="train")) == 1797
    args = parser().parse_args(["--data", str(tmp_path / "missing")])
    with pytest.raises(DataError, match="not found"):
        load_from_args(args)
