"""``linclass cache info|clear``: what the cache holds, and removing it."""

from linclass.cli._common import emit, nonnegative_float

KINDS = ("images", "features", "downloads")


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "cache", parents=[parent], help="show or clear the cache of decoded data and features",
        description="The cache ($LINCLASS_DATA, else ~/.cache/linclass) holds decoded datasets "
                    "(uint8 images), extracted features and the CIFAR-10 download. "
                    "LINCLASS_CACHE_MAX (e.g. 5G) bounds the images and features: the least "
                    "recently used are removed first.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("info", parents=[parent], help="entries, kinds, sizes and the total",
                       description="List the cache's entries (least recently used first), "
                                   "the size of each kind and the total.")
    clear = actions.add_parser("clear", parents=[parent], help="remove cache entries",
                               description="Remove every cache entry, or only those of one "
                                           "kind or not used for some days.")
    clear.add_argument("--older-than", type=nonnegative_float, metavar="DAYS",
                       help="only entries not used for DAYS days (default: all)")
    clear.add_argument("--kind", choices=KINDS, help="only entries of this kind")
    return p


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def run(args):
    from linclass.data import cache_info, clear_cache

    if args.action == "clear":
        n, freed = clear_cache(older_than_days=args.older_than, kind=args.kind)
        emit(args, {"removed_entries": n, "freed_bytes": freed},
             f"removed {n} cache entries, {_size(freed)}")
        return 0
    info = cache_info()
    budget = "unbounded (set LINCLASS_CACHE_MAX)" if info["budget_bytes"] is None \
        else _size(info["budget_bytes"])
    lines = [f"cache: {info['root']}", f"budget: {budget}"]
    lines += [f"  {e['last_used']}  {e['kind']:<9} {_size(e['bytes']):>10}  {e['name']}"
              for e in info["entries"]]
    lines += [f"{kind}: {v['entries']} entries, {_size(v['bytes'])}"
              for kind, v in info["kinds"].items()]
    lines.append(f"total: {_size(info['total_bytes'])}")
    emit(args, info, "\n".join(lines))
    return 0
