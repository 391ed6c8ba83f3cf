"""Fuzz trtcore's PPM/PGM parser for a fixed time: mutated valid files must parse or raise FormatError.

    python tools/fuzz_ppm.py --seconds 600

Runs the properties of tests/test_image_fuzz.py with fresh random seeds until the time is up. A crash of the C++
parser kills this process (the exit status says so); a wrong exception is printed with the failing bytes by
hypothesis. Exit status 0 means no failure in the time given.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # before the imports below (hypothesis, numpy, trtcore): --seconds counts them too

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from pnm_strategies import mutated_pnm, pnm_files  # noqa: E402
from test_image_fuzz import check_parse  # noqa: E402


class _TimeUp(Exception):
    """Raised inside an example once --seconds have passed."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (default 60)")
    parser.add_argument("--batch", type=int, default=2000, help="examples per hypothesis run (default 2000)")
    args = parser.parse_args()

    batch = settings(max_examples=args.batch, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck), phases=[Phase.generate],
                     report_multiple_bugs=False)

    start = STARTED
    end = start + args.seconds
    checked = 0

    def check(data: bytes) -> None:
        # Past the deadline the batch is abandoned (generate-only phases: nothing to shrink), so the run ends
        # within about one example of --seconds instead of at the end of a 2000-example batch.
        nonlocal checked
        if time.monotonic() >= end:
            raise _TimeUp
        check_parse(data)
        checked += 1

    @batch
    @given(mutated_pnm())
    def mutated(data: bytes) -> None:
        check(data)

    @batch
    @given(pnm_files())
    def valid(case) -> None:
        check(case[0])

    while time.monotonic() < end:
        for run in (mutated, valid):  # each call draws a new random seed
            try:
                run()
            except _TimeUp:
                break
    print(f"fuzz_ppm: {checked} inputs in {time.monotonic() - start:.1f} s, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
