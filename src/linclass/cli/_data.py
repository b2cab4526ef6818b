"""The ``--data`` flags every data-reading command shares, and loading with progress."""

import argparse
import sys

from linclass.cli._common import StageProgress, positive_int


def val_size(text):
    """argparse type: an integer count >= 0, or a fraction in (0, 1)."""
    try:
        value = int(text)
    except ValueError:
        pass
    else:
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be a count >= 0 or a fraction in (0, 1), "
                                             f"got {text!r}")
        return value
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer count or a fraction in (0, 1), got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"a fraction must lie in (0, 1), got {text!r}")
    return value


def add_data_arguments(parser, *, split_default=None, hold_out=True, resize=True):
    """Add ``--data``, ``--split``, ``--skip-bad``, ``--image-size`` (unless ``resize`` is
    False: the command resizes to its model's size) and, for commands that hold out a
    validation split (``hold_out``), ``--val-size``."""
    group = parser.add_argument_group("data")
    group.add_argument(
        "--data", default="digits", metavar="SOURCE",
        help="'digits' (default, bundled with scikit-learn), 'cifar10' (cache directory, "
             "downloaded when absent), an image folder ROOT/<class>/<image>, a directory of "
             "CIFAR-10 python batches, a .tar/.tar.gz/.tgz of either, a .npz with images X "
             "and labels y, or a feature matrix: a directory with X.npy (N, D) and y.npy (N,), "
             "or a .npz whose X is a 2-D float matrix")
    group.add_argument(
        "--split", choices=["train", "test"], default=split_default,
        help="which part of a source that has parts (CIFAR-10 batches, folders with "
             f"train/ and test/); a source without parts is read whole (default: "
             f"{split_default or 'train'})")
    if resize:
        group.add_argument("--image-size", type=positive_int, nargs=2, metavar=("H", "W"),
                           help="resize every image to H x W (needed when sizes differ)")
    group.add_argument("--skip-bad", action="store_true",
                       help="skip unreadable images (and report how many) instead of failing")
    if hold_out:
        from linclass.data.splits import LARGE_DATASET, LARGE_VAL_SIZE, SMALL_VAL_FRACTION

        group.add_argument("--val-size", type=val_size, default=None, metavar="N",
                           help="validation rows held out from training: a count, a fraction, "
                                f"or 0 for none (default: {LARGE_VAL_SIZE:,} for "
                                f"{LARGE_DATASET:,}+ rows, else "
                                f"{SMALL_VAL_FRACTION:.0%}".replace("%", "%%") + ")")
    return group


def report_skipped(dataset):
    """One line on stderr when images were skipped (``--skip-bad``)."""
    skipped = getattr(dataset, "skipped", ())
    if skipped:
        print(f"linclass: skipped {len(skipped)} unreadable images (first: {skipped[0]})",
              file=sys.stderr)


def load_from_args(args, *, split=None):
    """Load ``args.data`` with progress on stderr; ``split`` overrides ``args.split``."""
    from linclass.data import load

    with StageProgress() as progress:
        dataset = load(args.data, split=split or getattr(args, "split", None),
                       image_size=getattr(args, "image_size", None),
                       skip_bad=getattr(args, "skip_bad", False),
                       progress=lambda done, total: progress("loading", done, total))
    report_skipped(dataset)
    return dataset
