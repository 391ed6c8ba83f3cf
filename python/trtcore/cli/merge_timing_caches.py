"""``trtcore merge-timing-caches``: one TensorRT timing cache from several (``ITimingCache::combine``).

    trtcore merge-timing-caches -o all.cache a.cache b.cache
    trtcore build --onnx m.onnx --timingCacheFile all.cache ...

Caches from builds on one GPU kind and TensorRT version combine; TensorRT skips entries of another. Exit codes:
0 ok, 2 bad input (a file missing or not a cache), 3 TensorRT missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trtcore.errors import FileError
from trtcore.files import check_target


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("merge-timing-caches", help="merge TensorRT timing caches into one (for --timingCacheFile)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("caches", type=Path, nargs="+", metavar="CACHE", help="timing cache files to merge")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                   help="merged cache to write (may be one of the inputs)")
    return p


def run(args: argparse.Namespace) -> int:
    from trtcore.builder.build import merge_timing_caches

    for cache in args.caches:  # before TensorRT loads: a typo is exit 2 wherever TensorRT is missing too
        if not cache.is_file():
            raise FileError(f"{cache}: no such timing cache file")
    check_target(args.output, "-o")
    out = merge_timing_caches(args.caches, args.output)
    print(f"{len(args.caches)} timing cache(s) merged into {out} ({out.stat().st_size} bytes)")
    return 0
