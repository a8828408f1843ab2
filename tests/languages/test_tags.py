"""The one set of tag rules: reading and canonicalising tags, identity on maximized tags, who reads
what, and which project language an item is routed as."""

from __future__ import annotations

import pytest

from marketplace.languages import codes
from marketplace.languages.tags import (
    Ambiguous,
    Tag,
    UnknownLanguage,
    can_read,
    canonicalised,
    compatible_tags,
    maximized,
    minimal,
    more_specific,
    normalize_language,
    parse_tag,
    preferred_targets,
    primary_subtag,
    reading,
    region_matches,
    same_primary_language,
    served_targets,
    stored_spellings,
    target_for,
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


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("iw", "he"),  # deprecated ISO 639 codes
        ("in", "id"),
        ("ji", "yi"),
        ("mo", "ro"),
        ("sh", "sr-Latn"),  # Serbo-Croatian written in Latin: Serbian, Latin script
        ("tl", "fil"),  # CLDR: Tagalog as a standard is Filipino
        ("tl-PH", "fil-PH"),
        ("eng", "en"),  # three letters where two exist
        ("deu-CH", "de-CH"),
        ("zh-yue", "yue"),  # extlang
        ("zh-cmn-Hant", "zh-Hant"),
        ("cmn", "zh"),  # CLDR's macrolanguage alias
        ("arb", "ar"),
        ("i-klingon", "tlh"),  # grandfathered
        ("iw_IL", "he-IL"),
    ],
)
def test_canonicalises_deprecated_and_alias_codes(raw: str, canonical: str) -> None:
    assert normalize_language(raw) == canonical
    assert canonicalised(raw) == canonical


def test_a_mere_respelling_is_not_reported_as_canonicalised() -> None:
    assert canonicalised("PT_br") is None
    assert canonicalised("zh-hans") is None


@pytest.mark.parametrize(
    "raw",
    ["und", "mul", "zxx", "mis", "qaa", "x-private", "en-x-private", "de-DE-1996", "en-US-u-ca-gregory", "en-ZZ",
     "en-XA", "en-Qaaa", "xx", "", "  ", "a" * 40],
)  # fmt: skip
def test_refuses_what_no_person_reads_natively_or_routing_cannot_honour(raw: str) -> None:
    with pytest.raises(UnknownLanguage):
        normalize_language(raw)


@pytest.mark.parametrize(
    ("tag", "full", "shortest"),
    [
        ("zh", Tag("zh", "Hans", "CN"), "zh"),
        ("zh-TW", Tag("zh", "Hant", "TW"), "zh-Hant"),
        ("zh-Hant", Tag("zh", "Hant", "TW"), "zh-Hant"),
        ("sr", Tag("sr", "Cyrl", "RS"), "sr"),
        ("sr-Latn", Tag("sr", "Latn", "RS"), "sr-Latn"),
        ("pa-PK", Tag("pa", "Arab", "PK"), "pa-Arab"),
        ("pt-PT", Tag("pt", "Latn", "PT"), "pt-PT"),
        ("no", Tag("nb", "Latn", "NO"), "nb"),  # one language in two spellings: identity takes nb
    ],
)
def test_maximize_and_minimize(tag: str, full: Tag, shortest: str) -> None:
    assert maximized(tag) == full
    assert minimal(tag) == shortest
    assert reading(tag) == f"{full.language}-{full.script}"


@pytest.mark.parametrize(
    ("person", "item", "region_required", "reads"),
    [
        ("zh-CN", "zh", False, True),
        ("zh-CN", "zh-Hans", False, True),
        ("zh-CN", "zh-Hant", False, False),
        ("zh-TW", "zh", False, False),  # bare zh is Simplified
        ("zh-TW", "zh-Hant", False, True),
        ("zh-TW", "zh-HK", False, True),  # both Traditional; region only a preference
        ("zh-TW", "zh-HK", True, False),
        ("zh", "yue", False, False),  # macrolanguage and member are two languages
        ("sr", "sr-Cyrl", False, True),
        ("sr", "sr-Latn", False, False),
        ("sr-Latn", "sh", False, True),
        ("pa-PK", "pa-Arab", False, True),
        ("pa-PK", "pa", False, False),  # bare pa is Gurmukhi
        ("pa", "pa-Arab", False, False),
        ("az-IR", "az", False, False),
        ("uz-AF", "uz-Arab", False, True),
        ("no", "nb", False, True),
        ("tl", "fil", False, True),
        ("iw", "he", False, True),
        ("pt-PT", "pt-BR", False, True),
        ("pt-PT", "pt-BR", True, False),
        ("pt", "pt-BR", True, True),  # bare pt is Brazilian by CLDR
        ("es-MX", "es-419", True, True),  # a country inside the macro-region
        ("es-AR", "es-419", True, True),
        ("es-ES", "es-419", True, False),
        ("es", "es-419", True, False),
        ("ar-EG", "ar", False, True),
        ("ar", "arz", False, False),  # a variety is its own language unless the project says
    ],
)
def test_can_read(person: str, item: str, region_required: bool, reads: bool) -> None:
    assert can_read(person, item, region_required=region_required) is reads


def test_region_matches_and_preference() -> None:
    assert region_matches("pt", "pt-BR") and not region_matches("pt-PT", "pt-BR")
    assert preferred_targets(["pt-PT"], ["pt-BR", "pt-PT"]) == ["pt-PT"]
    assert served_targets(["pt-PT"], ["pt-BR", "pt-PT", "es"]) == ["pt-BR", "pt-PT"]
    assert served_targets(["pt-PT"], ["pt-BR", "pt-PT"], region_required=True) == ["pt-PT"]
    assert served_targets([], ["pt-BR"]) == []


def test_equivalent_codes_are_one_language() -> None:
    assert same_primary_language("nb", "no") and not same_primary_language("nb", "nn")
    assert compatible_tags("nb", "no") and compatible_tags("no-NO", "nb")
    assert primary_subtag("tl-PH") == "tl"  # the subtag as written
    assert {"tl", "fil"} <= stored_spellings("fil") and {"iw", "he"} <= stored_spellings("he")


@pytest.mark.parametrize(
    ("first", "second", "compatible"),
    [
        ("pt", "pt-BR", True),
        ("pt-BR", "pt-PT", False),
        ("zh-Hans", "zh-Hant", False),
        ("zh-TW", "zh-Hans", False),  # the region commits to Traditional
        ("zh-TW", "zh-Hant", True),
        ("zh", "zh-Hant", True),  # a bare language leaves the script open
        ("pa-PK", "pa-Arab", True),
        ("pa-PK", "pa-Guru", False),
    ],
)
def test_compatible_tags(first: str, second: str, compatible: bool) -> None:
    assert compatible_tags(first, second) is compatible
    assert compatible_tags(second, first) is compatible


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


@pytest.mark.parametrize(
    ("tag", "targets", "chosen"),
    [
        ("zh-CN", ["zh-Hans", "zh-Hant"], "zh-Hans"),
        ("zh-TW", ["zh-Hans", "zh-Hant"], "zh-Hant"),
        ("zh", ["zh-Hans", "zh-Hant"], "zh-Hans"),  # bare zh reads as CLDR's Simplified
        ("sr", ["sr-Cyrl", "sr-Latn"], "sr-Cyrl"),
        ("pa-PK", ["pa", "pa-Arab"], "pa-Arab"),
        ("pt", ["pt-BR"], "pt-BR"),
        ("pt-PT", ["pt-BR"], None),
        ("he", ["he"], "he"),
        ("es-MX", ["es"], "es"),
        ("de", ["fr"], None),
    ],
)
def test_target_for(tag: str, targets: list[str], chosen: str | None) -> None:
    assert target_for(tag, targets) == chosen


def test_target_for_refuses_to_guess_a_region() -> None:
    with pytest.raises(Ambiguous):
        target_for("pt", ["pt-BR", "pt-PT"])
    assert target_for("pt-PT", ["pt-BR", "pt-PT"]) == "pt-PT"


def test_codes_keeps_its_names() -> None:
    assert codes.normalize_language("PT_br") == "pt-BR"
    assert codes.is_language("qu") and not codes.is_language("xx")
    with pytest.raises(codes.UnknownLanguage):
        codes.normalize_language("und")
