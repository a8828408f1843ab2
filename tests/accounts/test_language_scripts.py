"""Language identity on the account pages: a person says which script they read (``sr-Latn``, not
"Serbian"), and where it matters which region (``pt-PT``); a profile cannot list one reading twice.

The languages offered are CLDR's, through Babel: a language with locales (or countries) in more
than one script is offered once per script and never bare, since a bare ``sr`` reads Cyrillic only.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient

from marketplace.accounts import service
from marketplace.accounts.views import language_choices, language_label
from marketplace.languages.tags import maximized, normalize_language, parse_tag
from marketplace.validation import InvalidInput
from tests.accounts.test_pages import fetch_user, signup_data
from tests.conftest import post_form

#: Languages CLDR writes in several scripts today, each with the scripts the page must offer.
DIGRAPHIC = {
    "sr": {"Cyrl", "Latn"},
    "zh": {"Hans", "Hant"},
    "pa": {"Guru", "Arab"},
    "az": {"Latn", "Arab", "Cyrl"},
    "uz": {"Latn", "Cyrl", "Arab"},
    "ms": {"Latn", "Arab"},
    "mn": {"Cyrl", "Mong"},
    "bs": {"Latn", "Cyrl"},
    "ks": {"Arab", "Deva"},
    "sd": {"Arab", "Deva"},
    "kk": {"Cyrl", "Arab"},
    "ku": {"Latn", "Arab"},
    "ff": {"Latn", "Adlm"},
    "ha": {"Latn", "Arab"},
    "vai": {"Vaii", "Latn"},
    "shi": {"Tfng", "Latn"},
    "yue": {"Hant", "Hans"},
}


def choices(app: Flask, lang: str = "en") -> list[tuple[str, str]]:
    with app.test_request_context(f"/?lang={lang}"):
        return language_choices()


def selected(html: str) -> dict[str, tuple[str, str]]:
    """Each select of the page by name: the (value, label) of its selected option."""
    found = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        for attrs, label in re.findall(r"<option([^>]*)>([^<]*)</option>", body):
            value = re.search(r'value="([^"]*)"', attrs)
            if value and re.search(r"\bselected\b", attrs):
                found[name] = (value.group(1), label)
    return found


def language_rows(*codes: str) -> dict[str, str]:
    data = {}
    for index, code in enumerate((*codes, "", "")):
        data[f"languages-{index}-language"] = code
        data[f"languages-{index}-level"] = "native"
    return data


# --- the choices ----------------------------------------------------------------------------


def test_a_language_of_several_scripts_is_offered_per_script_and_never_bare(app: Flask) -> None:
    offered = dict(choices(app))
    assert offered[""]  # the leading "choose a language"
    assert {"sr-Cyrl", "sr-Latn", "zh-Hans", "zh-Hant", "pa-Guru", "pa-Arab"} <= offered.keys()
    for language, scripts in DIGRAPHIC.items():
        assert language not in offered, language
        assert {f"{language}-{script}" for script in scripts} <= offered.keys(), language
    # Languages of one script stay bare, and nobody is offered English in Deseret.
    assert {"en", "de", "ja", "ar", "fr"} <= offered.keys()
    assert not any(code.startswith(("en-Dsrt", "en-Shaw", "en-Latn", "de-Latn")) for code in offered)


def test_every_choice_is_a_tag_the_profile_accepts(app: Flask) -> None:
    for lang in ("en", "es", "ar", "zh-Hans"):
        for code, name in choices(app, lang)[1:]:
            assert normalize_language(code), code
            assert name.strip(), code


def test_names_are_babels_in_the_readers_language(app: Flask) -> None:
    english, spanish = dict(choices(app, "en")), dict(choices(app, "es"))
    assert english["sr-Latn"] == "Serbian (Latin)"
    assert english["sr-Cyrl"] == "Serbian (Cyrillic)"
    assert english["zh-Hant"] == "Chinese (Traditional)"
    assert english["pa-Arab"] == "Punjabi (Arabic)"
    assert spanish["sr-Latn"] == "serbio (latino)"
    assert spanish["sr-Cyrl"] == "serbio (cirílico)"
    assert spanish["zh-Hans"] == "chino (simplificado)"
    assert spanish["zh-Hant"] == "chino (tradicional)"
    assert spanish["pa-Guru"] == "punyabí (gurmuji)"
    assert spanish["pt-BR"] == "portugués (Brasil)"
    # Exactly Babel's Locale.get_display_name wherever Babel has the locale.
    for code in ("sr-Latn", "zh-Hant-HK", "es-419", "pa-Arab", "mn-Mong"):
        babel_name = Locale.parse(code.replace("-", "_")).get_display_name("es")
        assert spanish[code] == babel_name, code


def test_regions_that_matter_follow_their_language(app: Flask) -> None:
    listed = choices(app)
    codes = [code for code, _name in listed]
    for code in (
        "pt-BR",
        "pt-PT",
        "es-419",
        "es-MX",
        "es-ES",
        "en-GB",
        "en-US",
        "fr-CA",
        "zh-Hant-HK",
        "ar-EG",
    ):
        assert code in codes, code
    # Not every country a language is spoken in: a few dozen regions, not a thousand.
    assert "en-GS" not in codes and "fr-WF" not in codes
    assert sum(1 for code in codes if code and parse_tag(code).region) < 150
    # A language's regions come right after it, its scripts' right after each script.
    portuguese = [code for code in codes if code.split("-")[0] == "pt"]
    start = codes.index("pt")
    assert codes[start : start + len(portuguese)] == portuguese == ["pt", "pt-BR", "pt-PT"]
    serbian = codes[codes.index("sr-Cyrl") : codes.index("sr-Cyrl") + 10]
    assert serbian[0] == "sr-Cyrl" and serbian[5] == "sr-Latn"
    assert all(code.startswith("sr-Cyrl-") for code in serbian[1:5])
    assert all(code.startswith("sr-Latn-") for code in serbian[6:])


def test_choices_are_sorted_by_name_in_the_readers_language(app: Flask) -> None:
    spanish = dict(choices(app, "es"))
    codes = list(spanish)
    # "árabe" sorts among the a's, not after "zulú"; "alemán" before it.
    assert codes.index("de") < codes.index("ar") < codes.index("zu")
    english = [code for code, _name in choices(app, "en")]
    assert english.index("en") < english.index("de") < english.index("sr-Cyrl") < english.index("zu")


# --- signing up and editing the profile --------------------------------------------------------


def test_signing_up_in_latin_serbian_stores_sr_latn(app: Flask, client: FlaskClient) -> None:
    page = client.get("/signup")
    assert 'value="sr-Latn"' in page.get_data(as_text=True)
    response = post_form(
        client,
        "/signup",
        signup_data(**{"languages-0-language": "sr-Latn", "languages-1-language": "pa-Guru"}),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    user = fetch_user(app, "amina@example.org")
    assert user is not None
    stored = {skill.language: skill.is_native for skill in user.language_skills}
    # Stored canonical: Gurmukhi is what a bare "pa" means by the IANA registry.
    assert stored == {"sr-Latn": True, normalize_language("pa-Guru"): False}
    assert maximized(normalize_language("pa-Guru")).script == "Guru"


@pytest.mark.parametrize(
    ("first", "second"),
    [("sr", "sr-Cyrl"), ("sr-Cyrl", "sr-Cyrl-RS"), ("pt", "pt-BR"), ("zh-TW", "zh-Hant"), ("no", "nb")],
)
def test_one_reading_listed_twice_is_refused(app: Flask, first: str, second: str) -> None:
    with app.test_request_context("/"), pytest.raises(InvalidInput) as refused:
        service.check_language_profile(
            [service.LanguageEntry(first, True), service.LanguageEntry(second, True)]
        )
    [error] = refused.value.errors
    assert (error.field, error.code) == ("languages[1].language", "duplicate")
    assert "keep one of them" in error.message


def test_two_scripts_or_two_regions_of_a_language_are_two_readings(app: Flask) -> None:
    with app.test_request_context("/"):
        for pair in (
            ("sr-Cyrl", "sr-Latn"),
            ("zh-Hans", "zh-Hant"),
            ("pa-Guru", "pa-Arab"),
            ("pt-BR", "pt-PT"),
        ):
            entries = service.check_language_profile([service.LanguageEntry(code, True) for code in pair])
            assert len(entries) == 2, pair


def test_the_page_refuses_sr_beside_sr_cyrl_with_a_message(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    make_user("worker@example.org", native=("es",))
    login("worker@example.org")
    refused = post_form(client, "/account/languages", language_rows("sr", "sr-Cyrl"))
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "is the same as" in html and "keep one of them" in html
    assert "(sr-Cyrl)" in html and "(sr)" in html
    user = fetch_user(app, "worker@example.org")
    assert user is not None and [skill.language for skill in user.language_skills] == ["es"]
    # The sign-up form refuses it the same way, and creates no account.
    signup = post_form(
        app.test_client(),
        "/signup",
        signup_data(
            email="new@example.org", **{"languages-0-language": "pt", "languages-1-language": "pt-BR"}
        ),
    )
    assert signup.status_code == 400
    assert "keep one of them" in signup.get_data(as_text=True)
    assert fetch_user(app, "new@example.org") is None


def test_a_bare_digraphic_tag_is_shown_with_its_script(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    """Profiles written before scripts were offered keep working: a bare ``sr`` reads Cyrillic
    (CLDR's likely script), and the pages say so."""
    make_user("worker@example.org", native=("sr", "zh-TW", "de-LU"))
    login("worker@example.org")
    profile = client.get("/account").get_data(as_text=True)
    assert "Serbian (Cyrillic)" in profile
    assert "Chinese (Traditional, Taiwan)" in profile
    assert "German (Luxembourg)" in profile
    page = client.get("/account/languages?lang=es")
    assert page.status_code == 200
    shown = selected(page.get_data(as_text=True))
    languages = {shown[f"languages-{row}-language"] for row in range(3)}
    # The equivalent choice is selected; a tag no choice shows keeps an option of its own.
    assert languages == {
        ("sr-Cyrl", "serbio (cirílico)"),
        ("zh-Hant-TW", "chino (tradicional, Taiwán)"),
        ("de-LU", "alemán (Luxemburgo)"),
    }
    # Saving the page as shown keeps every reading.
    form = {name: value for name, (value, _label) in shown.items()}
    saved = post_form(client, "/account/languages", form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    user = fetch_user(app, "worker@example.org")
    assert user is not None
    assert {str(maximized(skill.language)) for skill in user.language_skills} == {
        str(maximized("sr")),
        str(maximized("zh-TW")),
        str(maximized("de-LU")),
    }


def test_labels_show_the_script_only_where_the_language_has_several(app: Flask) -> None:
    with app.app_context():
        assert language_label("sr", "en") == "Serbian (Cyrillic)"
        assert language_label("sr-Latn", "es") == "serbio (latino)"
        assert language_label("pa-PK", "en") == "Punjabi (Arabic, Pakistan)"
        assert language_label("pa", "en") == "Punjabi (Gurmukhi)"
        assert language_label("pt-BR", "en") == "Portuguese (Brazil)"
        assert language_label("de", "en") == "German"
