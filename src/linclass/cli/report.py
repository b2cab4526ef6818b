"""``linclass report``: a trained model's figures as PNGs plus one index.html.

Like ``linclass evaluate``, it reads the source's test part by default (``--split test``;
a source without parts is read whole) and says which split it used. Flag values (``--out``,
``--search``) are checked before any work, and a failed report removes the folder it created.
"""

import argparse
import csv
import shutil
from pathlib import Path

from linclass.cli._common import add_model_argument, emit, output_dir, progress
from linclass.cli._data import add_data_arguments, load_from_args

#: The report's languages (linclass.report._text's catalogs).
LANGUAGES = ("en", "ko")


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "report", parents=[parent],
        help="write a model's figures (PNG) and an index.html",
        description="Draw a trained model's figures on labelled images: class templates and "
                    "patterns (raw pixels) or feature weights, learning curves, confusion "
                    "matrix, per-class accuracy, misclassified images, 1-D and 2-D "
                    "loss-landscape slices (and the search scatter with --search). Writes "
                    "PNGs and index.html into --out; the page fetches nothing from the "
                    "internet. Like 'evaluate', it reads the source's test part unless "
                    "--split says otherwise (a source without parts is read whole). --lang ko "
                    "writes every title, label, heading and caption in Korean.")
    add_model_argument(p)
    p.add_argument("--out", required=True, metavar="DIR", type=output_dir,
                   help="directory for index.html and the PNGs (created if missing)")
    p.add_argument("--search", metavar="CSV", type=_search_table,
                   help="results table of 'linclass search' to plot as well")
    p.add_argument("--lang", choices=LANGUAGES, default="en",
                   help="language of the figures and the page: en (English, default) or ko "
                        "(Korean; needs a font with Hangul, e.g. Debian's fonts-nanum)")
    add_data_arguments(p, split_default="test", hold_out=False)
    return p


def run(args):
    from linclass.job import _names_part, load_image_model
    from linclass.report import report_files, write_report
    from linclass.report._style import style

    style(args.lang)  # a Korean report without a Hangul font fails before any work
    model = load_image_model(args.model)
    dataset = load_from_args(args)
    out = Path(args.out)
    created = not out.exists()
    bar = None

    def update(done, total):
        nonlocal bar
        if bar is None:
            bar = progress(total, "writing report", unit="file")
        bar.update(done - bar.n)

    try:
        index = write_report(model, dataset, out, search_results=args.search,
                             seed=args.seed, progress=update, lang=args.lang)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    files = [str(path) for path in report_files(index.parent)]  # index.html first
    split = args.split if _names_part(dataset.source, args.split) else None  # as evaluate's
    part = (f"--split {split}" if split is not None
            else "the whole source: it has no train/test parts")
    emit(args, {"index": str(index), "files": files, "n_images": len(dataset),
                "data": dataset.source, "split": split, "lang": args.lang, "seed": args.seed},
         f"wrote {index} with {len(files) - 1} figures on {len(dataset):,} images of "
         f"{dataset.source} ({part}): " + ", ".join(Path(f).name for f in files[1:]))
    return 0


def _search_table(path):
    """argparse type: the rows of a 'linclass search' CSV, read and checked."""
    from linclass.report.search import REQUIRED, search_columns

    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise argparse.ArgumentTypeError(
            f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    missing = [column for column in REQUIRED if column not in (reader.fieldnames or ())]
    if missing or not rows:
        raise argparse.ArgumentTypeError(
            f"{path} is not a results table of 'linclass search': it needs a header with "
            f"{', '.join(REQUIRED)} and one row per trial")
    try:
        search_columns(rows)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{path} has a value that is not a number (or true/false in 'diverged'); write "
            "it with 'linclass search'") from None
    return rows
