"""JSON Schema of the QA report (``marketplace.reports.qa_report.build_qa_report``), for the OpenAPI
document and for tests that check a built report against what is published.

Module-level constants, like the other schemas: validators are cached by schema identity. Objects
are closed (``additionalProperties: false``) where the report's shape is fixed, so a field added
to the report without being documented fails its schema test instead of going out unannounced.
"""

from __future__ import annotations

from typing import Any

JSONSchema = dict[str, Any]


def _closed(properties: dict[str, JSONSchema], description: str = "") -> JSONSchema:
    schema: JSONSchema = {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _count(description: str) -> JSONSchema:
    return {"type": "integer", "minimum": 0, "description": description}


def _share(description: str) -> JSONSchema:
    return {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": description}


def _counts_by(description: str) -> JSONSchema:
    return {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 0},
        "description": description,
    }


LANGUAGE: JSONSchema = {"type": "string", "description": "A BCP 47 language tag."}
TIMESTAMP: JSONSchema = {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601."}

ITEM_COUNTS: JSONSchema = _closed(
    {
        "total": _count("Work items in scope."),
        "complete": _count("Items with all their judgments."),
        "delivered": _count("Complete, labelled items whose review is settled: what a delivery ships."),
        "triage": _count("Items waiting in the language triage queue."),
    }
)

CLASS_SCORES: JSONSchema = _closed(
    {
        "class": {"type": "string"},
        "support": _count("Hidden-gold answers whose gold has the class."),
        "predicted": _count("Hidden-gold answers that gave the class."),
        "true_positives": _count("Gave the class where gold has it."),
        "false_positives": _count("Gave the class where gold does not have it."),
        "false_negatives": _count("Left the class out where gold has it."),
        "precision": _share("TP / (TP + FP); null without answers giving the class."),
        "recall": _share("TP / (TP + FN); null without gold of the class."),
        "f1": _share("2TP / (2TP + FP + FN)."),
    }
)

CONFUSION: JSONSchema = {
    "oneOf": [
        {"type": "null"},
        _closed(
            {
                "labels": {"type": "array", "items": {"type": "string"}},
                "no_answer_column": {
                    "type": "boolean",
                    "description": "A last column counts answers that gave no class.",
                },
                "matrix": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                    "description": "Rows: gold class; columns: answered class (same order as labels).",
                },
            }
        ),
    ],
    "description": "Single-class task types only.",
}

GOLD: JSONSchema = _closed(
    {
        "scored": _count("Hidden-gold answers scored (exam answers are not included)."),
        "correct": _count("Of those, answers scored correct."),
        "accuracy": _share("correct / scored."),
        "mean_score": _share("Mean partial-credit score."),
        "classes": {"type": "array", "items": CLASS_SCORES},
        "confusion": CONFUSION,
    },
    "Accuracy against hidden gold: counts only, never the gold answers.",
)

INTERVAL: JSONSchema = {
    "oneOf": [
        {"type": "null"},
        _closed(
            {
                "low": {"type": "number"},
                "high": {"type": "number"},
                "confidence": {"type": "number"},
                "resamples": {"type": "integer"},
                "seed": {"type": "integer", "description": "Fixed, so the interval is reproducible."},
            }
        ),
    ]
}

AGREEMENT: JSONSchema = _closed(
    {
        "alpha": {
            "type": ["number", "null"],
            "description": "Krippendorff's α, as the agreement API gives it.",
        },
        "interval": INTERVAL,
        "items": _count("Items with at least two judgments (pairable units)."),
        "judgments": _count("Judgments counted in α."),
        "per_class": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
    }
)

REVIEW: JSONSchema = _closed(
    {
        "sample_size": _count("Review tasks on the scope's items (cancelled ones excluded)."),
        "open": _count("Tasks not decided yet."),
        "decided": _count("Tasks decided."),
        "accepted": _count("Decided: accepted as labelled."),
        "corrected": _count("Decided: accepted with the reviewer's correction."),
        "rejected": _count("Decided: judgments rejected; the item is redone."),
        "acceptance_rate": _share("(accepted + corrected) / decided."),
        "corrections": _count("Judgments whose answer the reviewer corrected."),
        "rejection_reasons": _counts_by("Rejected tasks per reason code."),
        "review_reasons": _counts_by("Why items entered review, per reason code."),
        "judgments": _counts_by("Outcome of each reviewed judgment: accepted, corrected, rejected."),
    }
)

THROUGHPUT: JSONSchema = _closed(
    {
        "days": _count("UTC calendar days from the first claim to the last answer."),
        "accepted_items": _count("Delivered items."),
        "judgments": _count("Judgments given."),
        "accepted_items_per_day": {"type": ["number", "null"]},
        "judgments_per_day": {"type": ["number", "null"]},
    }
)

COST_LINE: JSONSchema = _closed(
    {
        "currency": {"type": "string", "description": "ISO 4217 code."},
        "accepted_judgments": _count("Accepted (paid) judgments."),
        "pay_minor": _count("Annotator pay booked, in minor units."),
        "fees_minor": _count("Platform fees booked, in minor units."),
        "total_minor": _count("Pay plus fees, in minor units."),
        "delivered_items": _count("Delivered items the total is spread over."),
        "per_accepted_item_minor": {
            "type": ["integer", "null"],
            "description": "total_minor / delivered_items in minor units, rounded half up.",
        },
    }
)
COST: JSONSchema = {"type": "array", "items": COST_LINE, "description": "One line per currency."}

LANGUAGE_SECTION: JSONSchema = _closed(
    {
        "language": LANGUAGE,
        "items": ITEM_COUNTS,
        "gold": GOLD,
        "agreement": AGREEMENT,
        "review": REVIEW,
        "throughput": THROUGHPUT,
        "cost": COST,
    }
)

_LISTED_ITEM: JSONSchema = {
    "type": "object",
    "properties": {
        "item": {"type": "string", "description": "The item's public id."},
        "language": {"type": ["string", "null"]},
    },
    "required": ["item", "language"],
}

KNOWN_ISSUES: JSONSchema = _closed(
    {
        "confused_pairs": {
            "type": "array",
            "items": _closed(
                {
                    "language": LANGUAGE,
                    "first": {"type": "string"},
                    "second": {"type": "string"},
                    "count": {"type": "number", "description": "Disagreeing pairs of values (coincidences)."},
                    "ratio": {"type": "number", "description": "Observed / expected by chance."},
                }
            ),
            "description": "Up to five per language, most confused first.",
        },
        "flagged_edge_cases": _closed(
            {
                "count": _count("Judgments flagged as edge cases."),
                "items": {
                    "type": "array",
                    "items": {
                        **_LISTED_ITEM,
                        "properties": {**_LISTED_ITEM["properties"], "comment": {"type": "string"}},
                        "required": ["item", "language", "comment"],
                        "additionalProperties": False,
                    },
                    "description": "The item and the annotator's comment; never who wrote it.",
                },
            }
        ),
        "unresolved_items": _closed(
            {
                "count": _count("Complete items still in review or with an undecided edge case."),
                "items": {
                    "type": "array",
                    "items": {
                        **_LISTED_ITEM,
                        "properties": {**_LISTED_ITEM["properties"], "reason": {"type": "string"}},
                        "required": ["item", "language", "reason"],
                        "additionalProperties": False,
                    },
                },
            }
        ),
        "incomplete_items": _closed(
            {
                "count": _count("Items not complete."),
                "languages": {"type": "object", "additionalProperties": _counts_by("Per item state.")},
            }
        ),
        "triage": _closed(
            {
                "count": _count("Items in language triage."),
                "languages": _counts_by("Per declared language."),
                "reasons": _counts_by("Per triage reason."),
            }
        ),
        "missing_guidelines": _closed(
            {
                "ontology_version": {"type": ["integer", "null"]},
                "languages": {"type": "array", "items": LANGUAGE},
            },
            "Target languages without a guideline for the newest ontology version.",
        ),
    }
)

QA_REPORT: JSONSchema = _closed(
    {
        "version": {"type": "integer", "const": 1},
        "generated_at": TIMESTAMP,
        "project": _closed(
            {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "task_type": {"type": "string"},
                "ontology_version": {"type": ["integer", "null"]},
            }
        ),
        "scope": _closed(
            {
                "batches": {
                    "type": "array",
                    "items": _closed({"id": {"type": "string"}, "name": {"type": "string"}}),
                },
                "languages": {"type": "array", "items": LANGUAGE},
                "narrowed_to_items": {"type": "boolean"},
                "from": TIMESTAMP,
                "to": TIMESTAMP,
            }
        ),
        "classes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Ontology labels, in order.",
        },
        "level": {"type": ["string", "null"], "enum": ["nominal", "ordinal", "interval", "ratio", None]},
        "totals": {
            "type": "object",
            "properties": {
                "items": {"type": "object"},
                "gold": GOLD,
                "review": {"type": "object"},
                "throughput": THROUGHPUT,
                "cost": COST,
            },
            "required": ["items", "gold", "review", "throughput", "cost"],
            "additionalProperties": False,
        },
        "languages": {"type": "array", "items": LANGUAGE_SECTION},
        "known_issues": KNOWN_ISSUES,
    },
    "The QA report shipped with every delivery: per language and class, with no gold answer and no "
    "annotator identity.",
)
