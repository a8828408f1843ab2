"""Who gets which items, by language identity (language + script, region where the project says),
through the real claim path: a table written by hand, one row per (reader, item tag, rule).

The expectations below are a linguist's, written out, not computed by the code under test: a
``zh-TW`` reader never receives Simplified text, a Shahmukhi (``pa-Arab``) item reaches readers of
Shahmukhi only, deprecated codes (``iw``, ``tl``, ``sh``...) reach the readers of their canonical
language, a macrolanguage is not its members (``zh`` is not ``yue``), and a required region admits
only its readers (a country inside ``419`` for ``es-419``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from marketplace.errors import Forbidden
from marketplace.projects import service as projects
from marketplace.projects.ingest import UploadOutcome, upload_items
from marketplace.projects.models import Project, ProjectState
from marketplace.projects.upload_parsing import Upload
from marketplace.qualification import exams
from marketplace.qualification.presenters import available_exams
from marketplace.routing import service as routing

IMAGE = {"image_url": "https://media.example.com/a.jpg", "width": 640, "height": 480}

#: (item tag, region required, readers who get it, readers who do not).
TABLE: list[tuple[str, bool, list[str], list[str]]] = [
    # Chinese: Simplified and Traditional are two readerships; a region implies its script.
    (
        "zh",
        False,
        ["zh", "zh-CN", "zh-Hans", "zh-SG", "zh-Hans-CN", "cmn"],
        ["zh-TW", "zh-Hant", "zh-HK", "yue", "ja"],
    ),
    ("zh-Hans", False, ["zh", "zh-CN", "zh-SG", "zh-Hans"], ["zh-TW", "zh-Hant", "zh-MO", "zh-Hant-HK"]),
    (
        "zh-Hant",
        False,
        ["zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-HK"],
        ["zh", "zh-CN", "zh-Hans", "yue"],
    ),
    ("zh-TW", False, ["zh-TW", "zh-Hant", "zh-HK"], ["zh-CN", "zh", "zh-SG"]),
    ("zh-TW", True, ["zh-TW", "zh-Hant"], ["zh-HK", "zh-MO", "zh-CN"]),  # zh-Hant is Taiwanese by CLDR
    ("yue", False, ["yue", "yue-HK", "zh-yue"], ["zh-HK", "zh-Hant", "zh"]),
    # Serbian: Cyrillic is the default, Latin a readership of its own; sh is Serbian Latin.
    ("sr-Cyrl", False, ["sr", "sr-Cyrl", "sr-RS", "sr-Cyrl-BA"], ["sr-Latn", "sh", "hr", "bs"]),
    ("sr-Latn", False, ["sr-Latn", "sh", "sr-Latn-RS", "sr-Latn-ME"], ["sr", "sr-Cyrl", "hr", "bs"]),
    ("sr", False, ["sr", "sr-Cyrl"], ["sr-Latn", "sh"]),
    # Punjabi: Gurmukhi in India, Shahmukhi (Arabic script) in Pakistan.
    ("pa", False, ["pa", "pa-Guru", "pa-IN"], ["pa-PK", "pa-Arab", "ur", "hi"]),
    ("pa-Arab", False, ["pa-Arab", "pa-PK", "pa-Arab-PK"], ["pa", "pa-Guru", "pa-IN", "ur"]),
    # Azerbaijani: Latin in Azerbaijan, Arabic script in Iran.
    ("az", False, ["az", "az-Latn", "az-AZ"], ["az-IR", "az-Arab", "az-Cyrl", "tr"]),
    ("az-Arab", False, ["az-Arab", "az-IR"], ["az", "az-AZ", "az-Latn", "fa"]),
    # Uzbek: Latin, Cyrillic, and Arabic script in Afghanistan.
    ("uz", False, ["uz", "uz-Latn", "uz-UZ"], ["uz-Cyrl", "uz-AF", "uz-Arab"]),
    ("uz-Cyrl", False, ["uz-Cyrl", "uz-Cyrl-UZ"], ["uz", "uz-Latn", "uz-AF", "ru"]),
    ("uz-Arab", False, ["uz-Arab", "uz-AF"], ["uz", "uz-Cyrl", "fa", "ps"]),
    # Malay: Latin (Rumi) and Arabic script (Jawi).
    ("ms", False, ["ms", "ms-MY", "ms-Latn", "zsm"], ["ms-Arab", "id"]),
    ("ms-Arab", False, ["ms-Arab", "ms-Arab-MY"], ["ms", "ms-MY", "ar"]),
    # Mongolian: Cyrillic in Mongolia, the Mongolian script in China.
    ("mn", False, ["mn", "mn-Cyrl", "mn-MN"], ["mn-Mong", "mn-CN"]),
    ("mn-Mong", False, ["mn-Mong", "mn-CN"], ["mn", "mn-Cyrl"]),
    # Deprecated and alias codes reach the readers of their canonical language, both ways.
    ("he", False, ["he", "iw", "he-IL", "iw-IL"], ["yi", "ar"]),
    ("iw", False, ["he", "iw"], ["ji"]),
    ("id", False, ["id", "in"], ["ms"]),
    ("yi", False, ["yi", "ji"], ["he", "de"]),
    ("ro", False, ["ro", "mo", "ro-MD"], ["it"]),
    ("fil", False, ["fil", "tl", "tl-PH"], ["ceb"]),
    ("tl", False, ["fil", "tl"], ["ilo"]),
    ("en", False, ["en", "eng", "en-GB", "en-US"], ["de"]),
    # Macrolanguages and members follow CLDR: nb and no are one; ar and arz are two.
    ("nb", False, ["nb", "no", "no-NO"], ["nn", "da"]),
    ("no", False, ["nb", "no"], ["nn", "sv"]),
    ("ar", False, ["ar", "ar-EG", "ar-SA", "arb"], ["arz", "fa", "ur"]),
    ("arz", False, ["arz"], ["ar", "ar-EG"]),
    ("fa", False, ["fa", "fa-IR", "pes", "fa-AF", "prs"], ["tg", "ps"]),  # Dari (fa-AF, prs): another region
    ("fa", True, ["fa", "fa-IR", "pes"], ["fa-AF", "prs"]),
    # Regions: a preference unless the project requires them.
    ("pt-BR", False, ["pt", "pt-BR", "pt-PT", "pt-AO"], ["es", "gl"]),
    ("pt-BR", True, ["pt", "pt-BR"], ["pt-PT", "pt-AO", "pt-MZ"]),
    ("pt-PT", True, ["pt-PT"], ["pt", "pt-BR"]),
    ("es-419", False, ["es", "es-ES", "es-MX", "es-AR"], ["pt", "ca"]),
    ("es-419", True, ["es-MX", "es-AR", "es-CO", "es-419"], ["es", "es-ES", "es-GQ"]),
    ("en-GB", True, ["en-GB"], ["en", "en-US", "en-AU"]),
    ("fr-CA", True, ["fr-CA"], ["fr", "fr-FR", "fr-BE"]),
    ("fr-CA", False, ["fr", "fr-CA", "fr-FR"], ["en-CA"]),
]

CASES = [
    (reader, item, required, expected)
    for item, required, yes, no in TABLE
    for reader, expected in [*((r, True) for r in yes), *((r, False) for r in no)]
]


def test_the_table_is_large_and_covers_every_digraphic_language() -> None:
    assert len(CASES) >= 150
    items = {item for item, *_ in TABLE}
    for tag in (
        "sr-Cyrl",
        "sr-Latn",
        "zh-Hans",
        "zh-Hant",
        "pa",
        "pa-Arab",
        "az",
        "az-Arab",
        "uz",
        "uz-Cyrl",
    ):
        assert tag in items
    for tag in ("uz-Arab", "ms", "ms-Arab", "mn", "mn-Mong"):
        assert tag in items


def _active_image_project(
    organisation: int, name: str, languages: list[str], guidelines: dict[str, str], **changes: Any
) -> Project:
    """An active box-drawing project (its items have no text: their declared language stands),
    open to native readers unless ``settings`` says otherwise."""
    project = projects.create_project(
        organisation,
        {
            "name": name,
            "task_type": "image_bounding_box",
            "source_language": next(iter(guidelines)),
            "languages": languages,
            "overlap": 1,
            "ontology": {
                "labels": [{"name": "car", "definition": "A car.", "edge_cases": [], "examples": []}]
            },
            "guidelines": guidelines,
            "settings": {"qualification": {"required": False}},
            **changes,
        },
    )
    projects.set_project_state(project.id, ProjectState.ACTIVE, None)
    return project


def _upload(project: Project, items: list[dict[str, Any]]) -> UploadOutcome:
    return upload_items(project.id, Upload(format="json", content=json.dumps({"items": items}).encode()))


@pytest.fixture
def world(app: Flask, organisation: int, annotator: Callable[..., int]) -> Iterator[dict[str, Any]]:
    """One open image project per (item tag, rule) with one ready item, and one annotator per
    proficiency tag of the table (a reader of one native language each)."""
    found: dict[str, Any] = {"projects": {}, "readers": {}}
    with app.app_context():
        for n, (item, required, _yes, _no) in enumerate(TABLE):
            project = _active_image_project(
                organisation,
                f"{item} {required} {n}",
                [item],
                {item: "Box every car."},
                max_overlap=5,
                settings={"qualification": {"required": False}, "languages": {"region_required": required}},
            )
            _upload(project, [{"language": item, "payload": IMAGE}])
            found["projects"][(item, required)] = project.public_id
    for reader in sorted({reader for reader, *_ in CASES}):
        found["readers"][reader] = annotator(reader)
    yield found


def test_who_reads_which_items_through_the_real_claim_path(app: Flask, world: dict[str, Any]) -> None:
    wrong = []
    with app.app_context():
        for reader, item, required, expected in CASES:
            person = world["readers"][reader]
            got = routing.claim_next_assignments(person, 1, world["projects"][(item, required)])
            if bool(got) is not expected:
                wrong.append((reader, item, required, expected))
            for assignment in got:
                routing.give_back_assignment(person, assignment.public_id, skip=False)
    assert wrong == []


def test_a_reader_gets_items_of_their_region_first(
    app: Flask, organisation: int, annotator: Callable[..., int]
) -> None:
    with app.app_context():
        project = _active_image_project(
            organisation, "Portuguese", ["pt-BR", "pt-PT"], {"pt-BR": "Marque os carros."}
        )
        _upload(
            project,
            [{"language": "pt-BR", "payload": IMAGE}] * 3 + [{"language": "pt-PT", "payload": IMAGE}] * 3,
        )
    lisbon, recife = annotator("pt-PT"), annotator("pt-BR")
    with app.app_context():
        first = routing.claim_next_assignments(lisbon, 3)
        assert [a.language for a in first] == ["pt-PT"] * 3
        # With their own region's items taken, a reader still gets the rest of their language.
        second = routing.claim_next_assignments(recife, 5)
        assert sorted(a.language for a in second) == ["pt-BR"] * 3
        for assignment in first:
            routing.give_back_assignment(lisbon, assignment.public_id, skip=True)
        later = routing.claim_next_assignments(annotator("pt-PT"), 3)
        assert [a.language for a in later] == ["pt-PT"] * 3


def test_the_stranded_readers_of_one_mixed_project_each_get_their_items(
    app: Flask, organisation: int, annotator: Callable[..., int]
) -> None:
    """The project of the issue: 24 items declared zh, zh-Hans, zh-Hant, pa, pa-Arab, sr-Cyrl, sr-Latn
    and he (three each, ``he`` declared by its old code ``iw``), and one native reader each."""
    declared = {"zh": "zh", "zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "pa": "pa", "pa-Arab": "pa-Arab"}
    declared |= {"sr-Cyrl": "sr-Cyrl", "sr-Latn": "sr-Latn", "he": "iw"}
    with app.app_context():
        project = _active_image_project(
            organisation, "Scripts", sorted(declared), {"zh": "框出每辆车。"}, max_overlap=1
        )
        items = [
            {"external_id": f"{target}-{n}", "language": tag, "payload": IMAGE}
            for target, tag in declared.items()
            for n in range(3)
        ]
        outcome = _upload(project, items)
        assert outcome.item_import.language_notes == [{"declared": "iw", "language": "he", "items": 3}]
    readers = {
        "zh-CN": ["zh", "zh-Hans"],  # bare zh is Simplified
        "zh-TW": ["zh-Hant"],
        "sr": ["sr-Cyrl"],
        "sr-Latn": ["sr-Latn"],
        "pa-PK": ["pa-Arab"],
        "pa": ["pa"],
        "iw": ["he"],
    }
    with app.app_context():
        for reader, targets in readers.items():
            got: list[str] = []
            while batch := routing.claim_next_assignments(annotator(reader), 5, project.public_id):
                got += [assignment.language for assignment in batch]  # overlap 1: each item once
            assert sorted(got) == sorted(t for t in targets for _ in range(3)), reader


def test_an_exam_is_open_to_the_readers_of_its_script_only(
    app: Flask, organisation: int, annotator: Callable[..., int]
) -> None:
    with app.app_context():
        project = _active_image_project(
            organisation,
            "Exam",
            ["zh-Hans", "zh-Hant"],
            {"zh-Hant": "框出每輛車。"},
            overlap=3,
            settings={"qualification": {"required": True}},
        )
    taiwan, beijing = annotator("zh-TW"), annotator("zh-CN")
    with app.app_context():
        assert [exam["language"] for exam in available_exams(taiwan)] == ["zh-Hant"]
        assert [exam["language"] for exam in available_exams(beijing)] == ["zh-Hans"]
        with pytest.raises(Forbidden):
            exams.start_exam(taiwan, project.public_id, "zh-Hans")
