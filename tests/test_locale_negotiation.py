"""The interface locale by likely subtags: a region maps to the catalog of its language *and
script*, never to another script's (a Taiwanese reader never gets the Simplified interface)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.i18n import match_locale


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        ("zh-Hans", "zh-Hans"),
        ("zh_hans", "zh-Hans"),
        ("zh", "zh-Hans"),  # bare Chinese is Simplified
        ("zh-CN", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("cmn", "zh-Hans"),  # CLDR's alias of Mandarin
        ("zh-TW", None),  # Traditional: no catalog yet, and never the Simplified one
        ("zh-HK", None),
        ("zh-Hant", None),
        ("yue", None),
        ("pt-PT", "pt-BR"),  # the same language and script: one Portuguese catalog
        ("pt", "pt-BR"),
        ("es-MX", "es"),
        ("es-419", "es"),
        ("ar-EG", "ar"),
        ("iw", None),  # Hebrew, read as he: no catalog
        ("in", "id"),  # Indonesian's old code
        ("sr-Latn", None),
        ("", None),
        ("klingon", None),
        ("x-private", None),
    ],
)
def test_match_locale(app: Flask, wanted: str, chosen: str | None) -> None:
    with app.test_request_context("/"):
        assert match_locale(wanted) == chosen


def test_accept_language_falls_back_along_the_list_not_across_scripts(client: FlaskClient) -> None:
    def lang(header: str) -> str:
        html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
        return html.split('<html lang="', 1)[1].split('"', 1)[0]

    assert lang("zh-TW, ja;q=0.8") == "ja"  # the next accepted language, not Simplified Chinese
    assert lang("zh-TW") == "en"  # nothing else accepted: the default
    assert lang("zh-CN, ja;q=0.8") == "zh-Hans"
    assert lang("pt-PT") == "pt-BR"
