"""Agreement metrics at scale, against reference implementations in the same run.

Run: ``.venv/bin/python -m benchmarks.agreement [--section alpha] [--units N] [--repeat R]``

Sections (each a function in :data:`SECTIONS`, run in order; add one by appending to it):

* ``alpha`` — Krippendorff's α on 5 raters × 200,000 items with 20 % of the values missing,
  nominal (5 categories) and interval (a 1–7 rating scale), by ``metrics.krippendorff_alpha``
  and by the ``krippendorff`` package (a test-only dependency) on the same array. Both take a
  raters × units float array with NaN for missing values; each is timed best of ``--repeat`` runs
  after one warm-up, and the ratio is package time / ours (above 1: ours is faster). The two α must
  agree to 1e-9, or the timing means nothing. Also timed: one unit's update of a stored coincidence
  matrix (subtract its old contribution, add its new one), against recomputing the whole matrix,
  and a 1,000-resample bootstrap interval.

The data are synthetic: each item has a true value; a rater reports it with probability 0.7 and a
uniformly random value otherwise (so α is about 0.6, not a degenerate 0 or 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from marketplace.agreement.metrics import (
    Level,
    alpha_bootstrap_ci,
    coincidence_matrix,
    krippendorff_alpha,
)

RATERS = 5
MISSING = 0.2
SEED = 20260501


def best_time(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(fastest wall time in seconds over ``repeat`` runs after one warm-up, the last result)."""
    result = function()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def reliability_data(
    units: int, categories: int, offset: int, rng: np.random.Generator
) -> np.ndarray[Any, Any]:
    truth = rng.integers(0, categories, units)
    noise = rng.integers(0, categories, (RATERS, units))
    data = np.where(rng.random((RATERS, units)) < 0.7, truth, noise).astype(np.float64) + offset
    data[rng.random(data.shape) < MISSING] = np.nan
    return data


def alpha_section(args: argparse.Namespace) -> bool:
    """Krippendorff's α against the ``krippendorff`` package; True when every α agreed."""
    import krippendorff

    rng = np.random.default_rng(SEED)
    print(f"Krippendorff's alpha: {RATERS} raters x {args.units:,} items, {MISSING:.0%} missing")
    print(f"  {'level':<10}{'alpha':>10}{'ours (ms)':>12}{'package (ms)':>14}{'ratio':>8}{'|diff|':>10}")
    agreed = True
    cases: list[tuple[Level, int, int]] = [("nominal", 5, 0), ("interval", 7, 1)]
    for level, categories, offset in cases:
        data = reliability_data(args.units, categories, offset, rng)
        ours_time, ours = best_time(partial(krippendorff_alpha, data, level), args.repeat)
        theirs_time, theirs = best_time(
            partial(krippendorff.alpha, reliability_data=data, level_of_measurement=level), args.repeat
        )
        difference = abs(ours - float(theirs))
        agreed = agreed and difference < 1e-9
        print(
            f"  {level:<10}{ours:>10.6f}{ours_time * 1e3:>12.1f}{theirs_time * 1e3:>14.1f}"
            f"{theirs_time / ours_time:>7.1f}x{difference:>10.1e}"
        )

    data = reliability_data(args.units, 5, 0, rng)
    labels = tuple(range(5))
    stored = coincidence_matrix(data, values=labels)
    old = data[:, 0].tolist()
    new = [0.0, 0.0, 1.0, np.nan, 4.0]
    update_time, updated = best_time(lambda: stored.update_unit(old, new), args.repeat)
    changed = data.copy()
    changed[:, 0] = new
    full_time, recomputed = best_time(lambda: coincidence_matrix(changed, values=labels), args.repeat)
    same = updated.reindexed(labels) == recomputed
    agreed = agreed and same
    print(
        f"  one-item update of a stored matrix: {update_time * 1e6:.0f} us, full recompute "
        f"{full_time * 1e3:.1f} ms ({full_time / update_time:,.0f}x), identical: {same}"
    )
    start = time.perf_counter()
    interval = alpha_bootstrap_ci(data, "nominal", n=1000, seed=SEED)
    elapsed = time.perf_counter() - start
    assert interval is not None
    print(
        f"  bootstrap, 1,000 resamples of items (nominal): alpha {krippendorff_alpha(data):.4f}, "
        f"95% interval [{interval.low:.4f}, {interval.high:.4f}] in {elapsed:.2f} s"
    )
    return agreed


#: The benchmark's sections by name, run in this order.
def dawid_skene_section(args: argparse.Namespace) -> bool:
    """Dawid–Skene on 1,000,000 answers against majority vote (``benchmarks/agreement_consensus.py``)."""
    from benchmarks import agreement_consensus

    print("Dawid–Skene consensus")
    agreement_consensus.main([])
    return True


SECTIONS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "alpha": alpha_section,
    "dawid_skene": dawid_skene_section,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--section", choices=sorted(SECTIONS), action="append", help="run only these sections"
    )
    parser.add_argument("--units", type=int, default=200_000, help="items (default 200,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (best kept)")
    args = parser.parse_args(argv)
    ok = True
    for name, section in SECTIONS.items():
        if args.section and name not in args.section:
            continue
        ok = section(args) and ok
        print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
