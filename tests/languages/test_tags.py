"""The one set of tag rules: reading tags, equivalent codes, compatibility, merging, who serves what."""

from __future__ import annotations

import pytest

from marketplace.languages import codes
from marketplace.languages.tags import (
    Tag,
    compatible_tags,
    more_specific,
    parse_tag,
    primary_subtag,
    same_primary_language,
    served_languages,
    written_tag,
)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("pt-BR", Tag("pt", None, "BR")),
        ("zh_hant_tw", Tag("zh", "Hant", "TW")),
        ("es-419", Tag("es", None, "419")),
        ("sr-Latn", Tag("sr", "Latn", None)),
        ("EN", Tag("en")),
    ],
)
def test_parse_tag(raw: str, parsed: Tag) -> None:
    assert parse_tag(raw) == parsed
    assert str(parsed) == codes.normalize_language(raw)


def test_equivalent_codes_are_one_language_everywhere() -> None:
    # Filipino is standardised Tagalog, and Bokmål is what most "no" text is: one language each,
    # for the detector's hint, a project's targets and an annotator's native languages alike.
    for first, second in (("fil", "tl"), ("nb", "no")):
        assert same_primary_language(first, second)
        assert compatible_tags(first, second) and compatible_tags(f"{second}-PH", first)
        assert served_languages([first]) == sorted({first, second})
    assert primary_subtag("tl-PH") == "tl"  # the subtag as written; equivalence is asked separately
    assert not same_primary_language("nb", "nn")


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [
        ("pt", "pt-BR", "pt-BR"),
        ("zh-Hant", "zh-HK", "zh-Hant-HK"),
        ("no", "nb", "no"),  # the first tag's spelling where both spell a subtag
        ("nb", "no", "nb"),
        ("sr-Latn", "sr", "sr-Latn"),
    ],
)
def test_more_specific_merges_subtags(first: str, second: str, merged: str) -> None:
    assert more_specific(first, second) == merged


def test_written_tag_spells_out_the_usual_script() -> None:
    assert written_tag("zh") == Tag("zh", "Hans")
    assert written_tag("sr") == Tag("sr", "Cyrl")
    assert written_tag("sr-Latn") == Tag("sr", "Latn")


def test_served_languages() -> None:
    assert served_languages(["es-MX"]) == ["es", "es-MX"]
    assert served_languages(["zh-Hans"]) == ["zh-Hans"]
    assert served_languages(["zh-Hans-CN"]) == ["zh-Hans-CN"]  # a script is never dropped
    assert served_languages(["pt-BR", "de"]) == ["de", "pt", "pt-BR"]
    assert served_languages(["fil-PH"]) == ["fil", "fil-PH", "tl", "tl-PH"]
    assert served_languages([]) == []


def test_codes_keeps_its_names() -> None:
    assert codes.normalize_language("PT_br") == "pt-BR"
    assert codes.is_language("qu") and not codes.is_language("xx")
    with pytest.raises(codes.UnknownLanguage):
        codes.normalize_language("und")
