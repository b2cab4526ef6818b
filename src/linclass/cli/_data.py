"""The ``--data`` flags every data-reading command shares, and loading with a progress bar."""

import argparse
import sys

from linclass.cli._common import positive_int, progress
from linclass.data import load


def val_size(text):
    """argparse type: an integer count >= 0, or a fraction in (0, 1)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer count or a fraction in (0, 1), got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"a fraction must lie in (0, 1), got {text!r}")
    return value


def add_data_arguments(parser, *, split_default=None, hold_out=True):
    """Add ``--data``, ``--split``, ``--image-size``, ``--skip-bad`` and, for commands that
    hold out a validation split (``hold_out``), ``--val-size``."""
    group = parser.add_argument_group("data")
    group.add_argument(
        "--data", default="digits", metavar="SOURCE",
        help="'digits' (default, bundled with scikit-learn), 'cifar10' (cache directory, "
             "downloaded when absent), an image folder ROOT/<class>/<image>, a directory of "
             "CIFAR-10 python batches, a .tar/.tar.gz/.tgz of either, or a .npz with X, y")
    group.add_argument(
        "--split", choices=["train", "test"], default=split_default,
        help="which part of a source that has parts (CIFAR-10 batches, folders with "
             f"train/ and test/) (default: {split_default or 'train'})")
    group.add_argument("--image-size", type=positive_int, nargs=2, metavar=("H", "W"),
                       help="resize every image to H x W (needed when sizes differ)")
    group.add_argument("--skip-bad", action="store_true",
                       help="skip unreadable images (and report how many) instead of failing")
    if hold_out:
        group.add_argument("--val-size", type=val_size, default=None, metavar="N",
                           help="validation images held out from training: a count or a "
                                "fraction (default: 1000 for 20,000+ images, else 10%%)")
    return group


def load_from_args(args, *, split=None):
    """Load ``args.data`` with a progress bar on stderr; ``split`` overrides ``args.split``."""
    bar = None

    def update(done, total):
        nonlocal bar
        if bar is None:
            bar = progress(total, "loading images", unit="img")
        bar.total = total  # an archive's total grows while it is read
        bar.update(done - bar.n)

    try:
        dataset = load(args.data, split=split or getattr(args, "split", None),
                       image_size=getattr(args, "image_size", None),
                       skip_bad=getattr(args, "skip_bad", False), progress=update)
    finally:
        if bar is not None:
            bar.close()
    if dataset.skipped:
        print(f"linclass: skipped {len(dataset.skipped)} unreadable images "
              f"(first: {dataset.skipped[0]})", file=sys.stderr)
    return dataset
