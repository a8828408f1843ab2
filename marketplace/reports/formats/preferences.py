"""``preferences.jsonl``: pairwise judgments as the chosen/rejected pairs reward-model trainers expect.

Each line is ``{"item_id", "language", "prompt", "context", "chosen", "rejected", "margin"}``, the
field names TRL's ``RewardTrainer`` and most DPO recipes read. A tie has no chosen response, so it
cannot be written as a pair: ties are skipped and counted (``ties_skipped``), never guessed. When the
answer also rated each response, ``margin`` is the chosen rating minus the rejected one (a trainer
may weight pairs by it); otherwise it is null, so every line has the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from marketplace.reports.formats.base import FormatContext, Record, Stats, answer_of, canonical_json


def _margin(answer: Mapping[str, Any], chosen: str, rejected: str) -> float | None:
    ratings = answer.get("ratings")
    if not isinstance(ratings, Mapping) or chosen not in ratings or rejected not in ratings:
        return None
    return float(ratings[chosen]) - float(ratings[rejected])


def preference_pair(record: Record) -> dict[str, Any] | None:
    """The record as a chosen/rejected line; None for a tie (or an answer with no preference)."""
    answer = answer_of(record)
    preference = answer.get("preference")
    if preference not in ("A", "B"):
        return None
    chosen, rejected = ("a", "b") if preference == "A" else ("b", "a")
    payload = record.get("payload") or {}
    return {
        "item_id": record["item_id"],
        "language": record.get("language"),
        "prompt": payload.get("prompt"),
        "context": payload.get("context"),
        "chosen": payload.get(f"response_{chosen}"),
        "rejected": payload.get(f"response_{rejected}"),
        "margin": _margin(answer, chosen, rejected),
    }


def write_preferences(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """One line per decided pair, keys sorted; ties counted in ``ties_skipped``."""
    count = written = ties = 0
    for record in records:
        count += 1
        pair = preference_pair(record)
        if pair is None:
            ties += 1
            continue
        out.write(canonical_json(pair).encode("utf-8") + b"\n")
        written += 1
    return {"records": count, "written": written, "ties_skipped": ties}
