"""``linclass gradcheck``: analytic vs numerical gradient for every loss x regularizer."""

from linclass.cli._common import emit


def add_parser(subparsers, parent):
    from linclass.losses import LOSSES
    from linclass.regularizers import REGULARIZERS

    p = subparsers.add_parser(
        "gradcheck", parents=[parent],
        help="check analytic gradients against numerical ones",
        description="Check the analytic gradient of linear_loss against centred differences "
                    "for every loss x regularizer (or those named), on random data. Exit 1 "
                    "when a check fails.")
    p.add_argument("--loss", action="append", choices=list(LOSSES),
                   help="loss to check (repeatable; default: all)")
    p.add_argument("--reg", action="append", choices=list(REGULARIZERS),
                   help="regularizer to check (repeatable; default: all)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="floating type (default: float64; float32 is too coarse to pass)")
    return p


def run(args):
    from linclass.gradcheck import check_all
    from linclass.losses import LOSSES
    from linclass.regularizers import REGULARIZERS

    rows = check_all(args.loss or list(LOSSES), args.reg or list(REGULARIZERS),
                     dtype=args.dtype, seed=args.seed)
    passed = all(r["passed"] for r in rows)
    lines = [f"{'loss':<16}{'reg':<13}{'param':<7}{'max rel. error':>15}  verdict"]
    for r in rows:
        lines.append(f"{r['loss']:<16}{r['reg']:<13}{r['param']:<7}"
                     f"{r['max_relative_error']:>15.2e}  {r['verdict']}")
    lines.append("all checks passed" if passed else "some checks FAILED")
    emit(args, {"passed": passed, "dtype": args.dtype, "seed": args.seed, "checks": rows},
         "\n".join(lines))
    return 0 if passed else 1
