"""``linclass report``: a trained model's figures as PNGs plus one index.html.

Like ``linclass evaluate``, it reads the source's test part by default (``--split test``;
a source without parts is read whole) and says which split it used.
"""

import csv
from pathlib import Path

from linclass.cli._common import emit, progress
from linclass.cli._data import add_data_arguments, load_from_args


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
    p.add_argument("--model", required=True, metavar="MODEL",
                   help="model file written by 'linclass train' (.npz)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="directory for index.html and the PNGs (created if missing)")
    p.add_argument("--search", metavar="CSV",
                   help="results table of 'linclass search' to plot as well")
    p.add_argument("--lang", choices=["en", "ko"], default="en",
                   help="language of the figures and the page: en (English, default) or ko "
                        "(Korean; needs a font with Hangul, e.g. Debian's fonts-nanum)")
    add_data_arguments(p, split_default="test", hold_out=False)
    return p


def run(args):
    from linclass import load  # the model file format, imported when the command runs
    from linclass.report import report_files, write_report

    model = load(args.model)
    dataset = load_from_args(args)
    search_results = _read_search(args.search) if args.search else None
    bar = None

    def update(done, total):
        nonlocal bar
        if bar is None:
            bar = progress(total, "writing report", unit="file")
        bar.update(done - bar.n)

    try:
        index = write_report(model, dataset, args.out, search_results=search_results,
                             seed=args.seed, progress=update, lang=args.lang)
    finally:
        if bar is not None:
            bar.close()
    files = [str(path) for path in report_files(index.parent)]  # index.html first
    emit(args, {"index": str(index), "files": files, "n_images": len(dataset),
                "data": dataset.source, "split": args.split, "lang": args.lang,
                "seed": args.seed},
         f"wrote {index} with {len(files) - 1} figures on {len(dataset):,} images of "
         f"{dataset.source} (--split {args.split}): "
         + ", ".join(Path(f).name for f in files[1:]))
    return 0


def _read_search(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))

