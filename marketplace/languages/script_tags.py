"""Which scripts a language is written in, and the detected tag that says which one a text uses.

Readers are matched on the maximized script of a tag (:mod:`marketplace.languages.tags`): a reader
of Punjabi in Gurmukhi cannot read Shahmukhi (Punjabi in Arabic letters), a reader of Uzbek in Latin
letters may not read it in Cyrillic. A detected tag must therefore say which script the text is
written in wherever the language has more than one, or routing, reports, agreement and pay would
file a Latin Serbian text under Cyrillic readers. The text's script is exact (counted letter by
letter, :mod:`marketplace.languages.scripts`); the model only names the language.

Which languages have more than one script is CLDR's data, read through Babel, not a list kept here:
the language's likely script, the script of each of its locales (``sr_Latn``, ``uz_Arab``,
``pa_Arab``, ``ks_Deva``) and the script a country's likely subtags give it (``uz_AF`` → Arabic,
``kk_CN`` → Arabic, ``ms_CC`` → Arabic). Scripts CLDR names only in a ``language_Script`` key of its
likely subtags (``hi_Mahj``, ``mr_Modi``, ``fr_Brai``) are historic or special-purpose: no locale
and no country writes the language in them, so they do not count.

The tag is then canonicalised (:func:`~marketplace.languages.tags.normalize_language`), which keeps
the script spelt exactly where the IANA registry gives the language no Suppress-Script: ``sr-Cyrl``,
``sr-Latn``, ``uz-Latn`` and ``az-Latn`` stay spelt (each script is in real use), while ``pa-Guru``,
``bs-Latn``, ``kk-Cyrl`` and ``ms-Latn`` become ``pa``, ``bs``, ``kk`` and ``ms``: the registry says
the bare tag means that script.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from functools import cache, lru_cache

from babel.core import get_global
from babel.localedata import locale_identifiers

from marketplace.languages.tags import (
    TAG_CACHE_SIZE,
    UnknownLanguage,
    likely_script,
    normalize_language,
    parse_tag,
)


def _is_script(subtag: str) -> bool:
    return len(subtag) == 4 and subtag.isalpha()


@cache
def _cldr_scripts() -> dict[str, frozenset[str]]:
    """Language subtag → the scripts CLDR has a locale, or a country's likely subtags, for."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for identifier in locale_identifiers():
        language, *rest = identifier.split("_")
        if rest and _is_script(rest[0]):
            found[language].add(rest[0])
    for key, value in get_global("likely_subtags").items():
        language, *rest = key.split("_")
        full = value.split("_")
        # Only "language_REGION" keys: a country that writes the language in that script.
        if len(rest) == 1 and not _is_script(rest[0]) and len(full) == 3 and full[0] == language:
            found[language].add(full[1])
    return {language: frozenset(scripts) for language, scripts in found.items()}


@lru_cache(maxsize=TAG_CACHE_SIZE)
def scripts_of(language: str) -> frozenset[str]:
    """The scripts CLDR writes ``language`` (a tag; its language subtag counts) in today:
    ``sr`` → {Cyrl, Latn}, ``pa`` → {Arab, Guru}, ``uz`` → {Arab, Cyrl, Latn}, ``de`` → {Latn}.
    Empty for a language CLDR knows no script of."""
    primary = parse_tag(language).language
    likely = likely_script(primary)
    return frozenset({likely} if likely else ()) | _cldr_scripts().get(primary, frozenset())


@lru_cache(maxsize=TAG_CACHE_SIZE)
def tag_in_script(tag: str, script: str) -> str | None:
    """The canonical tag of ``tag``'s language written in ``script`` (an ISO 15924 code), as
    detection reports it: with the script wherever the language has more than one and the registry
    does not imply it (``sr`` in Latin → ``sr-Latn``, in Cyrillic → ``sr-Cyrl``; ``uz`` in Arabic →
    ``uz-Arab``; ``pa`` in Gurmukhi → ``pa``), the language alone where it has one script.

    None where CLDR knows the language but not in that script (Korean in Latin letters, a tag that
    spells another script): a model saying so is a confusion, not a romanisation. A language CLDR
    knows no script of keeps its tag.
    """
    parsed = parse_tag(tag)
    if parsed.script:
        return tag if parsed.script == script else None
    scripts = scripts_of(tag)
    if not scripts:
        return tag
    if script not in scripts:
        return None
    if len(scripts) == 1:
        return tag
    try:
        return normalize_language(str(replace(parsed, script=script)))
    except UnknownLanguage:
        return None
