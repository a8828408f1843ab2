"""Language rules of a project (``project.settings["languages"]``): whether a reader's region must
match the item's, or is only a preference.

By default a project's ``pt-BR`` items go to every native reader of Portuguese in Latin script,
Brazilians first (:func:`marketplace.languages.tags.preferred_targets`); a client whose items are
only right for one region (Brazilian legal text, Latin American Spanish slang) requires the region,
and then only readers of that region, or of a country inside a macro-region such as ``419``, get
them (:func:`marketplace.languages.tags.can_read`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: JSON schema of the settings; every key is optional and has the default below.
SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "region_required": {
            "type": "boolean",
            "description": "Only readers of each target language's region (e.g. pt-BR, es-419) label its "
            "items; otherwise the region is a preference and any reader of the language and script may.",
        },
    },
}


@dataclass(frozen=True)
class LanguageRules:
    region_required: bool = False

    @classmethod
    def of(cls, project_settings: Mapping[str, Any] | None) -> LanguageRules:
        raw = (project_settings or {}).get("languages") or {}
        return cls(region_required=bool(raw.get("region_required", False)))

    def as_json(self) -> dict[str, Any]:
        return {"region_required": self.region_required}
