"""The review sample: stratified by (annotator, class) within a project's language.

Each completed item belongs to the strata of its judgments: every (annotator, class the
annotator's answer shows). The item is sampled when one of its strata has fewer sampled items than
the rate asks of it (``ceil(rate × seen)``). So the first item of every new annotator and every
class is reviewed, and from then on each stratum is sampled at the rate, systematically rather than
by chance: a small annotator or a rare class is never skipped by bad luck.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import insert_ignoring_conflicts
from marketplace.qualification.service import class_key
from marketplace.review.models import ReviewStratum

#: Longest class key stored (labels are short; free-text classes are cut).
MAX_CLASS_KEY = 200


def judgment_strata(task_type: str, judgments: Mapping[int, Mapping[str, Any]]) -> set[tuple[int, str]]:
    """The (annotator, class) strata an item's judgments belong to."""
    strata: set[tuple[int, str]] = set()
    for annotator_id, answer in judgments.items():
        try:
            classes = class_key(task_type, answer)
        except (KeyError, TypeError):
            classes = ["(all)"]
        strata.update((annotator_id, cls[:MAX_CLASS_KEY]) for cls in classes)
    return strata


def needs_sample(seen: int, sampled: int, rate: float) -> bool:
    """Whether a stratum that has now seen ``seen`` items owes the sample another one."""
    return rate > 0 and sampled < math.ceil(rate * seen - 1e-9)


def _lock_strata(
    session: Session, project_id: int, language: str, strata: Iterable[tuple[int, str]]
) -> list[ReviewStratum]:
    keys = sorted(set(strata))
    if not keys:
        return []
    session.execute(
        insert_ignoring_conflicts(
            session,
            ReviewStratum,
            [
                {
                    "project_id": project_id,
                    "language": language,
                    "annotator_id": annotator_id,
                    "class_key": cls,
                    "seen": 0,
                    "sampled": 0,
                }
                for annotator_id, cls in keys
            ],
        )
    )
    rows = []
    # Locked in key order, so two items sharing strata cannot deadlock.
    for annotator_id, cls in keys:
        row = session.scalar(
            select(ReviewStratum)
            .where(
                ReviewStratum.project_id == project_id,
                ReviewStratum.language == language,
                ReviewStratum.annotator_id == annotator_id,
                ReviewStratum.class_key == cls,
            )
            .with_for_update()
        )
        assert row is not None
        rows.append(row)
    return rows


def draw_sample(
    session: Session,
    project_id: int,
    language: str,
    task_type: str,
    judgments: Mapping[int, Mapping[str, Any]],
    rate: float,
) -> bool:
    """Count the completed item in its strata and say whether the sample takes it (in the caller's
    transaction)."""
    rows = _lock_strata(session, project_id, language, judgment_strata(task_type, judgments))
    for row in rows:
        row.seen += 1
    take = any(needs_sample(row.seen, row.sampled, rate) for row in rows)
    if take:
        for row in rows:
            row.sampled += 1
    return take
