"""Detected tags name the text's script, and a close relative declared in its own written form is a
close pair, not a contradiction.

Real detection of real sentences, written for these tests: Serbian in both scripts, Chinese in both
character sets, Uzbek in Latin and Cyrillic, Punjabi in Shahmukhi (Arabic letters) and Gurmukhi.
Readers are matched on a tag's maximized script, so a tag without the script the text is written in
would send the item to people who may not read it.
"""

from __future__ import annotations

import pytest

from marketplace.languages import DetectionResult, detect_language, normalize_language
from marketplace.languages.close_languages import close_in_script
from marketplace.languages.labels import model_knows
from marketplace.languages.script_tags import scripts_of, tag_in_script

SERBIAN_CYRILLIC = (
    "Јуче смо били у позоришту са пријатељима и представа нам се веома допала. "
    "Сутра идемо на излет ван града, ако време буде лепо."
)
SERBIAN_LATIN = "Šta ćeš da radiš večeras? Hoćeš li da idemo u bioskop ili da ostanemo kod kuće?"
#: Serbian in Latin letters, ijekavian as in Republika Srpska and Montenegro ("kafu" is Serbian and
#: Bosnian; Croatian says "kavu"): the model cannot tell it from Croatian and Bosnian, and leans Croatian.
SERBIAN_LATIN_READ_AS_CROATIAN = (
    "Zdravo, kako ste? Sutra ćemo se vidjeti u gradu kod sata, pa idemo zajedno na kafu."
)
SIMPLIFIED = "我们明天早上九点在图书馆门口见面，然后一起去参观新开的博物馆。"
TRADITIONAL = "我們明天早上九點在圖書館門口見面，然後一起去參觀新開的博物館。"
UZBEK_LATIN = "Bugun ertalab bozorga bordim va yangi sabzavotlar sotib oldim. Ertaga ukam bilan birga qishloqqa boramiz."
UZBEK_CYRILLIC = (
    "Бугун эрталаб бозорга бордим ва янги сабзавотлар сотиб олдим. Эртага укам билан бирга қишлоққа борамиз."
)
#: Punjabi in Shahmukhi (Arabic letters): py3langid's Punjabi is Gurmukhi only, so it reads Urdu.
SHAHMUKHI = (
    "میں اج صبح بازار گیا سی تے اوتھوں تازہ سبزیاں لے کے آیا۔ "
    "ساڈے پنڈ وچ مینہ بہت ورھیا تے کھیتاں وچ پانی کھلو گیا اے۔"
)
GURMUKHI = "ਮੈਂ ਅੱਜ ਸਵੇਰੇ ਬਾਜ਼ਾਰ ਗਿਆ ਸੀ ਅਤੇ ਉੱਥੋਂ ਤਾਜ਼ੀਆਂ ਸਬਜ਼ੀਆਂ ਲੈ ਕੇ ਆਇਆ।"
ENGLISH = "I went to the market this morning and brought back some fresh vegetables for dinner."
SLOVAK = "Objednávku som dostal včas, ale v krabici chýbala nabíjačka aj návod na použitie."


def _routed(result: DetectionResult) -> tuple[str | None, str, bool]:
    return result.language, result.method, result.needs_triage


def _assert_canonical(result: DetectionResult) -> None:
    if result.language is not None:
        assert normalize_language(result.language) == result.language
    for code, _ in result.candidates:
        assert normalize_language(code) == code


# --- the detected tag names the script ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (SERBIAN_CYRILLIC, "sr-Cyrl"),
        (SERBIAN_LATIN, "sr-Latn"),
        (SIMPLIFIED, "zh-Hans"),
        (TRADITIONAL, "zh-Hant"),
        (UZBEK_LATIN, "uz-Latn"),
        (UZBEK_CYRILLIC, "uz-Cyrl"),
        # The registry implies Gurmukhi for a bare "pa" (Suppress-Script): the canonical tag is "pa".
        (GURMUKHI, "pa"),
    ],
)
def test_detected_tag_names_the_texts_script(text: str, language: str) -> None:
    result = detect_language(text)
    assert (result.language, result.needs_triage) == (language, False)
    _assert_canonical(result)


def test_simplified_and_traditional_chinese_are_reported_apart() -> None:
    assert detect_language(SIMPLIFIED, hint="zh-Hant").reason == "mismatch"
    assert detect_language(TRADITIONAL, hint="zh-CN").reason == "mismatch"  # zh-CN is Simplified
    # A bare "zh" declares no script: the characters say which.
    assert _routed(detect_language(TRADITIONAL, hint="zh")) == ("zh-Hant", "script", False)


def test_serbian_declared_without_a_script_takes_the_texts() -> None:
    assert _routed(detect_language(SERBIAN_LATIN, hint="sr")) == ("sr-Latn", "model", False)
    assert _routed(detect_language(SERBIAN_CYRILLIC, hint="sr-RS")) == ("sr-Cyrl-RS", "model", False)


@pytest.mark.parametrize(
    ("language", "script", "tag"),
    [
        ("sr", "Latn", "sr-Latn"),
        ("sr", "Cyrl", "sr-Cyrl"),
        ("uz", "Arab", "uz-Arab"),
        ("uz", "Latn", "uz-Latn"),
        ("az", "Arab", "az-Arab"),
        ("ku", "Arab", "ku-Arab"),
        ("kk", "Arab", "kk-Arab"),
        ("mn", "Mong", "mn-Mong"),
        ("ks", "Deva", "ks-Deva"),
        ("sd", "Deva", "sd-Deva"),
        ("ms", "Arab", "ms-Arab"),
        ("bs", "Cyrl", "bs-Cyrl"),
        ("pa", "Arab", "pa-Arab"),
        # The registry's Suppress-Script: the canonical tag leaves the usual script implied.
        ("pa", "Guru", "pa"),
        ("bs", "Latn", "bs"),
        ("kk", "Cyrl", "kk"),
        ("ms", "Latn", "ms"),
        # One script: the language alone; a script CLDR does not write it in: no tag at all.
        ("de", "Latn", "de"),
        ("ko", "Latn", None),
        ("uz-Arab", "Latn", None),
    ],
)
def test_tag_in_script_follows_cldr(language: str, script: str, tag: str | None) -> None:
    assert tag_in_script(language, script) == tag


def test_scripts_of_a_language_come_from_cldr() -> None:
    assert scripts_of("sr") == {"Cyrl", "Latn"}
    assert scripts_of("pa-PK") == {"Arab", "Guru"}
    assert {"Arab", "Cyrl", "Latn"} <= scripts_of("uz")
    assert scripts_of("de") == {"Latn"}
    # A script CLDR only names in a historic "language_Script" likely subtag does not count.
    assert "Modi" not in scripts_of("mr")


# --- close pairs: the declared written form the model has never seen ---------------------------


@pytest.mark.parametrize(("hint", "language"), [("pa-Arab", "pa-Arab"), ("pa-PK", "pa-Arab-PK")])
def test_shahmukhi_declared_as_such_is_routed_as_declared(hint: str, language: str) -> None:
    assert detect_language(SHAHMUKHI).language == "ur"  # the model has no Shahmukhi: it reads Urdu
    result = detect_language(SHAHMUKHI, hint=hint)
    assert _routed(result) == (language, "hint", False)
    assert result.candidates[0][0] == "ur"  # the triage screen still sees what the model read
    _assert_canonical(result)


@pytest.mark.parametrize("hint", ["pa", "pa-Guru", "pa-IN"])
def test_shahmukhi_declared_as_gurmukhi_punjabi_is_a_mismatch(hint: str) -> None:
    # A bare "pa" is Gurmukhi (its likely script): its readers may not read Arabic letters.
    result = detect_language(SHAHMUKHI, hint=hint)
    assert (result.needs_triage, result.reason, result.language) == (True, "mismatch", "ur")


@pytest.mark.parametrize("text", [GURMUKHI, ENGLISH])
def test_text_in_another_script_than_declared_shahmukhi_is_a_mismatch(text: str) -> None:
    for hint in ("pa-Arab", "pa-PK"):
        result = detect_language(text, hint=hint)
        assert (result.needs_triage, result.reason) == (True, "mismatch")


def test_urdu_declared_for_shahmukhi_text_is_urdu() -> None:
    assert _routed(detect_language(SHAHMUKHI, hint="ur")) == ("ur", "model", False)


def test_serbian_latin_read_as_croatian_is_routed_as_declared_serbian_latin() -> None:
    alone = detect_language(SERBIAN_LATIN_READ_AS_CROATIAN)
    assert alone.needs_triage and alone.reason == "ambiguous"
    assert alone.candidates[0][0] in {"hr", "bs"}
    for hint, language in (("sr-Latn", "sr-Latn"), ("sr-ME", "sr-Latn-ME")):
        result = detect_language(SERBIAN_LATIN_READ_AS_CROATIAN, hint=hint)
        assert _routed(result) == (language, "hint", False)
        _assert_canonical(result)


def test_serbian_cyrillic_declared_as_bosnian_cyrillic_is_a_close_pair() -> None:
    # The model is sure it is Serbian; Bosnian in Cyrillic is a written form it has no label for.
    assert detect_language(SERBIAN_CYRILLIC).confidence >= 0.9
    assert _routed(detect_language(SERBIAN_CYRILLIC, hint="bs-Cyrl")) == ("bs-Cyrl", "hint", False)
    # Bosnian declared without a script is Latin: Cyrillic text contradicts it.
    assert detect_language(SERBIAN_CYRILLIC, hint="bs").reason == "mismatch"


@pytest.mark.parametrize("text", [SERBIAN_LATIN, SERBIAN_LATIN_READ_AS_CROATIAN])
def test_latin_text_declared_serbian_cyrillic_is_a_mismatch(text: str) -> None:
    # However sure the model is of the language: the script decides who can read it.
    result = detect_language(text, hint="sr-Cyrl")
    assert (result.needs_triage, result.reason) == (True, "mismatch")


def test_an_unrelated_language_declared_in_the_texts_script_is_still_a_mismatch() -> None:
    assert detect_language(ENGLISH, hint="sr-Latn").reason == "mismatch"
    assert detect_language(SERBIAN_CYRILLIC, hint="uz-Cyrl").reason == "mismatch"


def test_a_relative_in_its_usual_script_still_needs_the_model_to_support_it() -> None:
    # The model knows Czech: a sure Slovak text declared Czech stays a mismatch, as before.
    result = detect_language(SLOVAK, hint="cs")
    assert (result.needs_triage, result.reason, result.language) == (True, "mismatch", "sk")


def test_close_in_script_pairs_every_arabic_script_language() -> None:
    assert close_in_script("pa-Arab", "ur", "Arab")
    assert close_in_script("ks", "ur", "Arab")
    assert not close_in_script("pa", "ur", "Guru")
    assert close_in_script("sr-Latn", "hr", "Latn")
    assert not close_in_script("en", "sr-Latn", "Latn")


def test_model_knows_only_the_written_forms_it_has_labels_for() -> None:
    assert model_knows("pa", "Guru")
    assert not model_knows("pa-Arab", "Arab")
    assert model_knows("sr", "Cyrl")
    assert not model_knows("sr", "Latn")
    assert model_knows("uz", "Arab")  # py3langid's Southern Uzbek
    assert not model_knows("skr", "Arab")  # Saraiki: no label at all
    assert model_knows("no", "Latn")  # folded into nb
