"""Language codes are real BCP 47 tags, checked against CLDR through Babel."""

from __future__ import annotations

import pytest

from marketplace.languages import UnknownLanguage, language_name, normalize_language, text_direction


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("es", "es"),
        ("ES", "es"),
        ("pt_br", "pt-BR"),
        ("zh-hans", "zh-Hans"),
        ("zh_Hant_TW", "zh-Hant-TW"),
        ("sr-latn", "sr-Latn"),
        ("es-419", "es-419"),
        ("qu", "qu"),
        ("fil", "fil"),
        (" sw ", "sw"),
    ],
)
def test_normalizes_real_tags(raw: str, canonical: str) -> None:
    assert normalize_language(raw) == canonical


@pytest.mark.parametrize("raw", ["", "xx", "und", "mul", "english", "es-XX", "zh-Abcd", "e", "12", "es--ES"])
def test_refuses_made_up_tags(raw: str) -> None:
    with pytest.raises(UnknownLanguage):
        normalize_language(raw)


def test_names_and_directions() -> None:
    assert language_name("ar", "es") == "árabe"
    assert language_name("de", "de") == "Deutsch"
    assert language_name("zh-Hans", "en") == "Chinese (Simplified)"
    assert text_direction("ar") == "rtl" and text_direction("he") == "rtl" and text_direction("ur") == "rtl"
    assert (
        text_direction("fa") == "rtl" and text_direction("es") == "ltr" and text_direction("zh-Hans") == "ltr"
    )
