"""The localized shell: locale selection order, lang/dir attributes, catalogs that are complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from marketplace.config import DEFAULT_LOCALES

ROOT = Path(__file__).resolve().parent.parent
#: Every supported locale but the source language has a catalog; its folder uses Babel's spelling.
LOCALES = [code.replace("-", "_") for code in DEFAULT_LOCALES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


@pytest.mark.parametrize(
    ("query", "lang", "direction"),
    [
        ("", "en", "ltr"),
        ("?lang=es", "es", "ltr"),
        ("?lang=ar", "ar", "rtl"),
        ("?lang=zh-Hans", "zh-Hans", "ltr"),
        ("?lang=hi", "hi", "ltr"),
        ("?lang=pt-BR", "pt-BR", "ltr"),
        ("?lang=ja", "ja", "ltr"),
        ("?lang=sw", "sw", "ltr"),
    ],
)
def test_home_page_language_and_direction(client: FlaskClient, query: str, lang: str, direction: str) -> None:
    html = client.get("/" + query).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in html


def test_home_page_is_translated(client: FlaskClient) -> None:
    english = client.get("/?lang=en").get_data(as_text=True)
    spanish = client.get("/?lang=es").get_data(as_text=True)
    arabic = client.get("/?lang=ar").get_data(as_text=True)
    assert "Labelled data, by native speakers" in english
    assert "Datos etiquetados por hablantes nativos" in spanish
    assert "بيانات موسومة" in arabic


def test_locale_selection_order(client: FlaskClient) -> None:
    # Accept-Language when nothing else is known; a regional tag maps to its language.
    assert 'lang="es"' in client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="zh-Hans"' in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "xx"}).get_data(as_text=True)
    # An explicit choice is remembered in a cookie and beats Accept-Language afterwards.
    client.get("/?lang=ar")
    assert 'lang="ar"' in client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    # An unsupported ?lang= is ignored.
    assert 'lang="ar"' in client.get("/?lang=klingon").get_data(as_text=True)


def test_language_switcher_on_every_page(client: FlaskClient) -> None:
    for path in ("/", "/login", "/signup"):
        html = client.get(path).get_data(as_text=True)
        for code in DEFAULT_LOCALES:
            assert f'hreflang="{code}"' in html, (path, code)


def test_api_errors_speak_the_callers_language(client: FlaskClient) -> None:
    response = client.get("/api/v1/me", headers={"Accept-Language": "es"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.json["error"]["message"] == "Inicie sesión o envíe un token de API válido."


def test_messages_pot_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--mapping-file",
            "i18n/babel.cfg",
            "--keywords",
            "_l",
            "--keywords",
            "lazy_gettext",
            "--add-comments",
            "i18n:",
            "--no-location",
            "--sort-output",
            "--output-file",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "i18n" / "messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert extracted == committed, "run `make update-catalogs`: messages.pot is stale"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete(locale: str) -> None:
    with (ROOT / "i18n" / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (ROOT / "i18n" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = sorted(str(m) for m in template if m not in catalog or not catalog[m].string)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"{locale}: {len(missing)} messages missing, e.g. {missing[:5]}"
    assert not untranslated, f"{locale}: untranslated {untranslated[:5]}"
    assert not fuzzy, f"{locale}: fuzzy {fuzzy[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale: str) -> None:
    """A translation that drops or renames a placeholder breaks the page at run time."""
    with (ROOT / "i18n" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # Languages may leave the number out of a singular or dual form ("one item").
            if not set(PLACEHOLDER.findall(string)) <= wanted | set(PLACEHOLDER.findall(ids[0])):
                broken.append((ids[0], string))
        if len(ids) == 1 and set(PLACEHOLDER.findall(strings[0])) != wanted:
            broken.append((ids[0], strings[0]))
    assert not broken, f"{locale}: {broken[:3]}"


def test_every_catalog_folder_is_a_supported_locale() -> None:
    folders = {path.parent.parent.name for path in (ROOT / "i18n").glob("*/LC_MESSAGES/messages.po")}
    assert folders == set(LOCALES)
