"""BCP 47 language tags: how a tag is read, and when two tags name the same language.

Tags reach the marketplace from clients (declared item languages, project targets), from people
(native languages, interface locales) and from the detector. Every rule that compares them lives
here, so that the detector, a project, routing and qualification never disagree on whether an item
and a person share a language. (Hand-written copies used to: Filipino and Tagalog were one language
to the detector and two to the project, which then called the detector's agreement a mismatch.)

A tag here is ``language[-Script][-REGION]``, the subset of BCP 47 the marketplace stores: no
variants, extensions or private use. Normalising checks each subtag against CLDR's registry through
Babel rather than with ``Locale.parse``: that only knows languages with full locale data, and it
silently turns ``und`` into ``en_US``; the registry accepts every real language (Quechua,
Tigrinya...) and refuses made-up ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Final

from babel import Locale
from babel.core import get_global

_TAG: Final = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})(?:[-_](?P<script>[A-Za-z]{4}))?(?:[-_](?P<region>[A-Za-z]{2}|\d{3}))?$"
)
_SEPARATOR: Final = re.compile(r"[-_]")

#: Codes CLDR lists that are not languages a person can speak natively.
_NOT_LANGUAGES: Final = frozenset({"und", "mul", "zxx", "mis"})

#: Codes of one language as people write it: Norwegian is written as Bokmål, and most Bokmål is
#: tagged with the macrolanguage ``no``; Filipino is standardised Tagalog. Declared languages,
#: project targets, native languages and the detector's output may use either spelling.
EQUIVALENT_LANGUAGES: Final = (frozenset({"nb", "no"}), frozenset({"fil", "tl"}))


class UnknownLanguage(ValueError):
    """The text is not a BCP 47 tag of a real language."""


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag's subtags, each spelt the canonical way (``zh``, ``Hant``, ``TW``)."""

    language: str
    script: str | None = None
    region: str | None = None

    @classmethod
    def of(cls, language: str, script: str | None = None, region: str | None = None) -> Tag:
        """A tag from subtags in any case."""
        return cls(language.lower(), script.title() if script else None, region.upper() if region else None)

    def __str__(self) -> str:
        return "-".join(part for part in (self.language, self.script, self.region) if part)


def parse_tag(tag: str) -> Tag:
    """(language, script, region) of ``tag``, ``-`` or ``_`` separated; checks nothing, raises nothing.

    Meant for tags already normalised (stored, declared, detected); :func:`normalize_language`
    validates input.
    """
    language, *rest = _SEPARATOR.split(tag.strip())
    script = next((part for part in rest if len(part) == 4), None)
    region = next((part for part in rest if len(part) in (2, 3)), None)
    return Tag.of(language, script, region)


@cache
def _registry() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    english = Locale("en")
    languages = frozenset(str(code) for code in english.languages if "_" not in str(code)) - _NOT_LANGUAGES
    return languages, frozenset(english.scripts), frozenset(english.territories)


def _registered(tag: Tag) -> bool:
    languages, scripts, regions = _registry()
    return (
        tag.language in languages
        and (tag.script is None or tag.script in scripts)
        and (tag.region is None or tag.region in regions)
    )


def normalize_language(code: str) -> str:
    """Return the canonical BCP 47 spelling (``zh_hans`` → ``zh-Hans``, ``PT-br`` → ``pt-BR``).

    Raises :class:`UnknownLanguage` for anything that is not a real language tag.
    """
    match = _TAG.match(code.strip()) if isinstance(code, str) else None
    if not match:
        raise UnknownLanguage(code)
    tag = Tag.of(match["lang"], match["script"], match["region"])
    if not _registered(tag):
        raise UnknownLanguage(code)
    return str(tag)


def is_language(code: str) -> bool:
    try:
        normalize_language(code)
    except UnknownLanguage:
        return False
    return True


def primary_subtag(code: str) -> str:
    """``pt-BR`` → ``pt``: the language subtag as written (``tl`` stays ``tl``).

    Whether two tags' languages are one is :func:`same_primary_language`, which knows equivalent codes.
    """
    return code.split("-", 1)[0].lower()


def spellings(language: str) -> frozenset[str]:
    """Every code of the language ``language`` (a primary subtag): ``nb`` → {nb, no}; most have one."""
    return next((group for group in EQUIVALENT_LANGUAGES if language in group), frozenset({language}))


def same_primary_language(first: str, second: str) -> bool:
    """Whether two tags' language subtags name one language, whatever their scripts and regions."""
    return primary_subtag(second) in spellings(primary_subtag(first))


def _agree(first: str | None, second: str | None) -> bool:
    """Two subtags agree unless both are spelt out and differ."""
    return first is None or second is None or first == second


def compatible(first: Tag, second: Tag) -> bool:
    """:func:`compatible_tags` on parsed tags."""
    return (
        second.language in spellings(first.language)
        and _agree(first.script, second.script)
        and _agree(first.region, second.region)
    )


def compatible_tags(first: str, second: str) -> bool:
    """Whether two tags can name the same items: one language, and no subtag that both spell out
    differs. ``pt`` and ``pt-BR`` are compatible, and so are ``nb`` and ``no``; ``pt-BR`` and
    ``pt-PT``, or ``zh-Hans`` and ``zh-Hant``, are not (their readers are not interchangeable)."""
    return compatible(parse_tag(first), parse_tag(second))


@cache
def likely_script(language: str) -> str | None:
    """The script ``language`` (a primary subtag) is written in by default, by CLDR (``sr`` → ``Cyrl``)."""
    likely = get_global("likely_subtags").get(language.replace("-", "_"))
    return likely.split("_")[1] if likely else None


def written_tag(tag: str) -> Tag:
    """``tag`` with its script spelt out, the language's usual one where the tag leaves it implicit.

    For a tag that describes a text actually written (the detector's): ``zh`` there is Simplified,
    where a declared ``zh`` would fit either script.
    """
    parsed = parse_tag(tag)
    return parsed if parsed.script else replace(parsed, script=likely_script(parsed.language))


def more_specific(first: str, second: str) -> str:
    """One tag with every subtag either of two compatible tags spells out, ``first``'s where both do:
    ``pt`` + ``pt-BR`` → ``pt-BR``; ``zh-Hant`` + ``zh-HK`` → ``zh-Hant-HK``; ``no`` + ``nb`` → ``no``.

    ``first`` itself when the merge is no tag CLDR knows.
    """
    a, b = parse_tag(first), parse_tag(second)
    merged = Tag(a.language, a.script or b.script, a.region or b.region)
    try:
        return normalize_language(str(merged))
    except UnknownLanguage:
        return first


def _wider(tag: Tag) -> tuple[Tag, ...]:
    """The tag, and the bare language when the tag only adds a region (``es-MX`` → ``es``)."""
    return (tag, Tag(tag.language)) if tag.region and not tag.script else (tag,)


def served_languages(native: Iterable[str]) -> list[str]:
    """Item language tags a native speaker of ``native`` tags may label, sorted.

    A native tag with a region also serves the bare language (``es-MX`` serves ``es`` items), but
    never the other way round, and a script is never dropped (``zh-Hans`` does not serve
    ``zh-Hant``): routing errs on the side of sending less work rather than work to the wrong
    people. Each served tag counts in every spelling of its language (``nb`` serves ``no``).
    """
    served: set[str] = set()
    for tag in native:
        for wider in _wider(parse_tag(tag)):
            served.update(str(replace(wider, language=code)) for code in spellings(wider.language))
    return sorted(served)
