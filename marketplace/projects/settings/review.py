"""Review settings of a project (``project.settings["review"]``), with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

#: JSON schema of the settings; every key is optional and has the default below.
SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sample_rate": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Share of completed work a reviewer checks, stratified by annotator and class.",
        },
        "passes": {
            "type": "integer",
            "minimum": 1,
            "maximum": 3,
            "description": "Review passes per item, each by a different reviewer.",
        },
        "auto_accept_hours": {
            "type": "number",
            "minimum": 0,
            "maximum": 24 * 90,
            "description": "Work not sent to review is accepted (and paid) after this many hours.",
        },
        "low_agreement_below": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Consensus confidence under which an item goes to review as low agreement.",
        },
    },
}


@dataclass(frozen=True)
class ReviewSettings:
    #: Share of completed items sampled for review (every edge case is reviewed regardless).
    sample_rate: float = 0.1
    #: Independent review passes an item in review gets before its judgments are accepted.
    passes: int = 1
    #: The review period: unsampled work is accepted automatically when it ends.
    auto_accept_hours: float = 72.0
    #: Resolved items whose consensus confidence is below this are reviewed as low agreement.
    low_agreement_below: float = 0.6

    @classmethod
    def of(cls, project_settings: Mapping[str, Any] | None) -> ReviewSettings:
        raw = dict((project_settings or {}).get("review") or {})
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in raw.items() if key in known})
