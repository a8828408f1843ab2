"""The qualification package's public service surface: what other packages and the web layer call.

Callers write ``from marketplace.qualification import service`` and ``service.start_exam(...)``;
jobs are enqueued by path (``"marketplace.qualification.service.expire_exams"``). The code lives
in one module per concept, re-exported here so those names stay stable:

- ``gold.py``: gold sets (uploads, coverage per language and class, which items are gold);
- ``qualifications.py``: the qualification records, and ops granting, reinstating, revoking;
- ``exams.py`` and ``exam_scoring.py``: taking an exam, and scoring it into the qualification;
- ``trust.py``: hidden gold, rolling accuracy and suspension, trust scores;
- ``reports.py``: ops summaries (pass rates, suspended qualifications).

The rules, in one place:

- an annotator may take the exam of project P in language L when L is a target language of P and
  one of their native languages serves L; the gold set of (P, L) must be large enough;
- answers are checked only when the exam is submitted (or its time runs out); passing qualifies;
  failing allows a retry after the delay while attempts remain;
- hidden gold answers keep a rolling accuracy over the latest ``gold_window`` answers since the
  qualification last changed; under ``suspend_below`` (after ``min_gold_for_suspension`` answers)
  the qualification is suspended until ops reinstate or revoke it.
"""

from __future__ import annotations

from marketplace.qualification.exam_scoring import exam_review
from marketplace.qualification.exams import (
    ExamQuestion,
    exam_item_ids,
    exam_questions,
    expire_exams,
    own_exam,
    save_exam_answer,
    start_exam,
    stratified_sample,
    submit_exam,
)
from marketplace.qualification.gold import (
    GOLD_BATCH_NAME,
    GoldRow,
    add_gold_items,
    class_key,
    gold_coverage,
    is_gold_item,
    list_gold_items,
)
from marketplace.qualification.qualifications import (
    get_qualification,
    grant_qualification,
    list_qualifications,
    qualified_pairs,
    reinstate,
    revoke,
)
from marketplace.qualification.reports import exam_pass_rates, suspended_qualifications
from marketplace.qualification.trust import (
    TRUST_PRIOR,
    record_hidden_gold,
    rolling_accuracy,
    trust_score,
    trust_scores,
)

__all__ = [
    "GOLD_BATCH_NAME",
    "TRUST_PRIOR",
    "ExamQuestion",
    "GoldRow",
    "add_gold_items",
    "class_key",
    "exam_item_ids",
    "exam_pass_rates",
    "exam_questions",
    "exam_review",
    "expire_exams",
    "get_qualification",
    "gold_coverage",
    "grant_qualification",
    "is_gold_item",
    "list_gold_items",
    "list_qualifications",
    "own_exam",
    "qualified_pairs",
    "record_hidden_gold",
    "reinstate",
    "revoke",
    "rolling_accuracy",
    "save_exam_answer",
    "start_exam",
    "stratified_sample",
    "submit_exam",
    "suspended_qualifications",
    "trust_score",
    "trust_scores",
]
