"""The training flags are the settings table's: one per flagged setting, its default and
tuned values in the help, its check in the type, and the parsed value is what ``fit`` gets."""

import inspect

import pytest

from linclass.cli._common import Parser, common_parser
from linclass.cli.train import KMEANS_FLAGS, add_parser, settings_from_args
from linclass.config import DEFAULTS, settings
from linclass.features import KMeansFeatures


@pytest.fixture(scope="module")
def parser():
    top = Parser(prog="linclass")
    sub = add_parser(top.add_subparsers(parser_class=Parser), common_parser())
    return sub


def flag(name):
    return "--" + name.replace("_", "-")


def test_one_flag_per_flagged_setting_with_the_table_default_in_its_help(parser):
    text = " ".join(parser.format_help().split())
    for name, default, meta in settings():
        assert (flag(name) in text) == (meta["flag"] or name == "seed"), name  # common flag
        if meta["flag"] and default is not None:
            assert f"{meta['help']} (default: {default}" in text, name
    # tuned values come from DEFAULTS, never from a number copied into a help string
    assert f"raw: {DEFAULTS[('raw', 'svm')]['lr']}" in text


def test_kmeans_flag_defaults_are_the_extractor_signature(parser):
    text = " ".join(parser.format_help().split())
    defaults = inspect.signature(KMeansFeatures).parameters
    for option, param in KMEANS_FLAGS:
        assert option in text
        assert f"(default: {defaults[param].default})" in text


def test_each_flag_parses_its_default_and_reaches_the_settings(parser):
    argv = []
    for name, default, meta in settings():
        if meta["flag"] and default is not None and not isinstance(default, bool):
            argv += [flag(name), str(default)]
    args = parser.parse_args(argv)
    given = settings_from_args(args)
    for name, default, meta in settings():
        if meta["flag"] and default is not None and not isinstance(default, bool):
            assert given[name] == default and type(given[name]) is type(default), name
    assert settings_from_args(parser.parse_args([])) == {"seed": 0}  # unset: tuned defaults


@pytest.mark.parametrize("argv", [["--epochs", "2.5"], ["--margin", "0"], ["--tol", "nan"],
                                  ["--reg-strength", "-1"], ["--device", "tpu"],
                                  ["--solver", "newton"], ["--kmeans-centroids", "0"]])
def test_the_type_runs_the_check(parser, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(argv)
    assert exit_info.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_reg_strength_takes_auto(parser):
    assert parser.parse_args(["--reg-strength", "auto"]).reg_strength == "auto"
