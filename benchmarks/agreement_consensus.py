"""Dawid–Skene at scale: one million answers, against majority vote in the same run.

Seeded synthetic crowd: 200,000 items × 5 annotators each, drawn from a pool of 500, 5 classes
with unequal priors. The pool mixes annotators the way a marketplace does: 55 % careful (accuracy
0.80–0.95), 30 % sloppy (0.45–0.65), 10 % biased (answer their favourite class 60 % of the time,
else right with 0.7) and 5 % spammers (uniformly random). Each annotator's confusion matrix is
known, so the figures are accuracy against the true class.

Printed: time to build the sparse count matrix, time per EM iteration, total fit time, iterations,
accuracy of Dawid–Skene and of majority vote (ties broken at random), the time of majority vote
itself and the ratio of the two times (best of three runs each).

    .venv/bin/python benchmarks/agreement_consensus.py
    .venv/bin/python benchmarks/agreement_consensus.py --items 50000 --seed 7
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marketplace.agreement.dawid_skene import AnswerCounts, dawid_skene, majority_vote


def annotator_pool(rng: np.random.Generator, n_annotators: int, n_classes: int) -> NDArray[np.float64]:
    """``n_annotators × K × K`` confusion matrices (rows: true class) of a mixed pool."""
    kinds = rng.choice(4, size=n_annotators, p=[0.55, 0.30, 0.10, 0.05])
    pool = np.empty((n_annotators, n_classes, n_classes))
    for k, kind in enumerate(kinds):
        if kind == 3:  # spammer
            pool[k] = 1.0 / n_classes
            continue
        if kind == 2:  # biased towards one favourite class
            favourite = rng.integers(n_classes)
            matrix = np.full((n_classes, n_classes), 0.3 / (n_classes - 1))
            np.fill_diagonal(matrix, 0.7)
            matrix = 0.4 * matrix
            matrix[:, favourite] += 0.6
            pool[k] = matrix
            continue
        accuracy = rng.uniform(0.80, 0.95) if kind == 0 else rng.uniform(0.45, 0.65)
        noise = rng.dirichlet(np.ones(n_classes - 1), size=n_classes) * (1 - accuracy)
        for j in range(n_classes):
            pool[k, j, j] = accuracy
            pool[k, j, np.arange(n_classes) != j] = noise[j]
    return pool


def distinct_annotators(
    rng: np.random.Generator, n_items: int, per_item: int, n_annotators: int
) -> NDArray[np.int64]:
    """``n_items × per_item`` annotator indexes, distinct within each item."""
    chosen = rng.integers(0, n_annotators, size=(n_items, per_item))
    while True:
        ordered = np.sort(chosen, axis=1)
        clash = (np.diff(ordered, axis=1) == 0).any(axis=1)
        if not clash.any():
            return chosen
        chosen[clash] = rng.integers(0, n_annotators, size=(int(clash.sum()), per_item))


def simulate(
    seed: int, n_items: int, per_item: int, n_annotators: int, n_classes: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(true classes, item, annotator, label) of every answer."""
    rng = np.random.default_rng(seed)
    pool = annotator_pool(rng, n_annotators, n_classes)
    priors = rng.dirichlet(np.full(n_classes, 4.0))
    truth = rng.choice(n_classes, size=n_items, p=priors)
    annotators = distinct_annotators(rng, n_items, per_item, n_annotators).ravel()
    items = np.repeat(np.arange(n_items), per_item)
    cumulative = np.cumsum(pool[annotators, truth[items]], axis=1)
    labels = np.minimum((rng.random(len(items))[:, None] > cumulative).sum(axis=1), n_classes - 1)
    return truth, items, annotators, labels.astype(np.int64)


REPEATS = 3

Result = TypeVar("Result")


def _timed(work: Callable[[], Result]) -> tuple[float, Result]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--per-item", type=int, default=5)
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    truth, items, annotators, labels = simulate(
        args.seed, args.items, args.per_item, args.annotators, args.classes
    )
    print(
        f"{len(items):,} answers: {args.items:,} items × {args.per_item} annotators "
        f"from a pool of {args.annotators}, {args.classes} classes (seed {args.seed})"
    )

    started = time.perf_counter()
    counts = AnswerCounts.from_triples(
        items,
        annotators,
        labels,
        n_items=args.items,
        n_annotators=args.annotators,
        n_classes=args.classes,
    )
    build = time.perf_counter() - started

    # Timings are the best of a few runs; majority vote is timed with its plain tie-break (lowest
    # class: the cheapest baseline) and scored with random tie-breaks (the fair one).
    vote_time = min(_timed(lambda: majority_vote(counts))[0] for _ in range(REPEATS))
    voted = majority_vote(counts, np.random.default_rng(args.seed))
    runs = [_timed(lambda: dawid_skene(counts)) for _ in range(REPEATS)]
    fit_time, fit = min(runs, key=lambda run: run[0])

    accuracy_ds = float((fit.labels == truth).mean())
    accuracy_mv = float((voted == truth).mean())
    print(f"sparse count matrix          {build * 1000:8.1f} ms  ({counts.matrix.nnz:,} non-zeros)")
    print(f"majority vote                {vote_time * 1000:8.1f} ms")
    print(
        f"Dawid–Skene EM               {fit_time * 1000:8.1f} ms  "
        f"({fit.iterations} iterations, {'converged' if fit.converged else 'NOT converged'})"
    )
    print(f"  per EM iteration           {fit_time / max(fit.iterations, 1) * 1000:8.1f} ms")
    print(f"  time ratio EM / vote       {fit_time / vote_time:8.1f} ×")
    print(f"accuracy, majority vote      {accuracy_mv:8.4f}")
    print(
        f"accuracy, Dawid–Skene        {accuracy_ds:8.4f}  ({(accuracy_ds - accuracy_mv) * 100:+.2f} points)"
    )
    errors_mv, errors_ds = 1 - accuracy_mv, 1 - accuracy_ds
    print(f"errors removed               {(errors_mv - errors_ds) / errors_mv * 100:8.1f} %")


if __name__ == "__main__":
    main()
