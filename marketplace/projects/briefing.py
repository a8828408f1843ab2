"""What an annotator is told about a project: its labels and the guidelines in their language.

Deliberately narrow: no client metadata, no external ids, nothing about other annotators.
"""

from __future__ import annotations

from typing import Any

from marketplace.languages.codes import primary_subtag, text_direction
from marketplace.projects.models import Guideline, Item, Project


def pick_guideline(
    guidelines: list[Guideline], wanted: list[str], source_language: str
) -> tuple[Guideline | None, bool]:
    """The first guideline in ``wanted`` languages (exact tag, then same primary language), else the
    source language's. The flag says it is a fallback, which the page shows."""
    by_tag = {g.language: g for g in guidelines}
    for tag in wanted:
        if tag in by_tag:
            return by_tag[tag], False
    for tag in wanted:
        for guideline in guidelines:
            if primary_subtag(guideline.language) == primary_subtag(tag):
                return guideline, False
    fallback = by_tag.get(source_language) or (guidelines[0] if guidelines else None)
    return fallback, True


def project_brief(project: Project, item_language: str, ui_locale: str | None) -> dict[str, Any]:
    ontology = project.current_ontology
    wanted = [item_language] + ([ui_locale] if ui_locale else [])
    guideline, fallback = pick_guideline(
        list(ontology.guidelines) if ontology else [], wanted, project.source_language
    )
    return {
        "id": project.public_id,
        "name": project.name,
        "task_type": project.task_type,
        "task_config": project.task_config,
        "ontology_version": ontology.version if ontology else None,
        "labels": [
            {
                "name": label["name"],
                "definition": label.get("definition", ""),
                "edge_cases": list(label.get("edge_cases", [])),
                "examples": list(label.get("examples", [])),
            }
            for label in (ontology.labels if ontology else [])
        ],
        "guideline": None
        if guideline is None
        else {
            "language": guideline.language,
            "direction": text_direction(guideline.language),
            "text": guideline.text,
            "fallback": fallback,
        },
    }


def item_for_annotator(item: Item) -> dict[str, Any]:
    """The item as an annotator sees it: the payload without the client's private ``meta``."""
    language = item.language or ""
    return {
        "id": item.public_id,
        "language": language,
        "direction": text_direction(language) if language else "ltr",
        "payload": {key: value for key, value in item.payload.items() if key != "meta"},
    }
