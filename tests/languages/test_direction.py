"""Writing direction: ``text_direction`` agrees with CLDR's character order for every Babel locale.

``right_to_left_scripts`` is derived from the same locale data, so this checks the derivation
end to end: a tag is right to left exactly when CLDR writes its locale right to left, whether
the script is spelt (``uz-Arab``), implied by the region (``pa-PK``) or the language's default
(``ks``, ``ckb``). The pages then carry that direction on ``<html dir=...>``.
"""

from __future__ import annotations

import re

import pytest
from babel import Locale
from babel.localedata import locale_identifiers
from flask.testing import FlaskClient

from marketplace.languages.codes import text_direction


def test_every_babel_locale_has_cldr_direction() -> None:
    """Both ways: no right-to-left locale shown ltr, no left-to-right locale shown rtl."""
    identifiers = locale_identifiers()
    assert len(identifiers) > 500, len(identifiers)
    wrongly_ltr: list[str] = []
    wrongly_rtl: list[str] = []
    for identifier in identifiers:
        rtl_in_cldr = Locale.parse(identifier).character_order == "right-to-left"
        ours = text_direction(identifier.replace("_", "-"))
        if rtl_in_cldr and ours != "rtl":
            wrongly_ltr.append(f"{identifier} ({ours})")
        elif not rtl_in_cldr and ours != "ltr":
            wrongly_rtl.append(f"{identifier} ({ours})")
    assert not (wrongly_ltr or wrongly_rtl), (
        f"right-to-left in CLDR, not ours: {wrongly_ltr}\nleft-to-right in CLDR, not ours: {wrongly_rtl}"
    )


@pytest.mark.parametrize(
    "tag",
    ["uz-Arab", "pa-Arab", "pa-PK", "az-Arab", "ks", "ms-Arab", "syr", "nqo", "ff-Adlm", "ckb", "dv"],
)
def test_right_to_left(tag: str) -> None:
    """From our issue: Arabic-script forms of Latin/Gurmukhi languages, and the other RTL scripts."""
    assert text_direction(tag) == "rtl"


@pytest.mark.parametrize("tag", ["pa", "uz", "az", "ms", "zh-Hant", "sr"])
def test_left_to_right(tag: str) -> None:
    """The same languages in their default scripts must not flip the page."""
    assert text_direction(tag) == "ltr"


_HTML_TAG = re.compile(r"<html\b[^>]*>")


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_base_template_direction(client: FlaskClient, lang: str, direction: str) -> None:
    """The interface language's direction reaches the page root, where browsers lay it out."""
    response = client.get(f"/?lang={lang}")
    assert response.status_code == 200
    match = _HTML_TAG.search(response.get_data(as_text=True))
    assert match, "no <html> element"
    assert f'dir="{direction}"' in match.group(0), match.group(0)
    assert f'lang="{lang}"' in match.group(0), match.group(0)
