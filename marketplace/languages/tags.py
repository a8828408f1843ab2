"""BCP 47 language tags: reading, canonicalising and comparing them, on ``langcodes``.

Tags reach the marketplace from clients (declared item languages, project targets), from people
(native languages, interface locales) and from the detector. Every rule that compares them lives
here, so that the detector, a project, routing, qualification, reports and the interface never
disagree on whether an item and a person share a language.

**Why langcodes.** It is a real BCP 47 parser on the IANA registry and CLDR's data: it
canonicalises deprecated and alias codes (``iw`` → ``he``, ``in`` → ``id``, ``sh`` → ``sr-Latn``,
``tl`` → ``fil``, ``eng`` → ``en``, extlangs such as ``zh-yue`` → ``yue``, grandfathered tags),
validates every subtag against the registry and fills in likely subtags (``zh-TW`` →
``zh-Hant-TW``). Babel holds the same likely-subtags table but no parser, alias rules or validity
data, and its ``Locale.parse`` only knows languages with locale data; it stays the source of
language *names* and of each locale's character order (:mod:`marketplace.languages.codes`).

**Identity.** Who can read an item is decided on *maximized* tags (CLDR's likely subtags), never
on strings: a person and an item share a language when their maximized language and script are
equal (``zh-CN`` reads ``zh`` and ``zh-Hans``; ``zh-TW`` reads ``zh-Hant`` but never ``zh``,
which is Simplified; ``sr`` reads ``sr-Cyrl`` but not ``sr-Latn``; ``pa-PK`` reads ``pa-Arab``).
The region is a preference unless the project requires it (see :func:`can_read`). The matching
table, in full, is in the README ("Who reads which items").

A stored tag is ``language[-Script][-REGION]``: no variants, extensions or private use, which
routing could not honour. ``und``, ``mul``, ``zxx``, ``mis`` and private-use codes are not a
language a person reads natively and are refused (uploads send ``und`` to detection instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Final

import langcodes
from babel.core import get_global
from langcodes.tag_parser import LanguageTagError

#: Entries kept per cached tag function: tags come from requests too (Accept-Language, uploads),
#: so the caches are bounded; a service meets a few hundred distinct tags.
TAG_CACHE_SIZE: Final = 4096
#: The tag for "language not known": an upload that says it leaves the language to detection.
UNDETERMINED: Final = "und"
#: Codes that name no language a person speaks natively.
_NOT_LANGUAGES: Final = frozenset({"und", "mul", "zxx", "mis"})
#: Private-use ranges of the registry (languages qaa–qtz, scripts Qaaa–Qabx, regions AA, QM–QZ,
#: XA–XZ, ZZ): their meaning is agreed between two parties, never by us.
_PRIVATE_LANGUAGE: Final = re.compile(r"^q[a-t][a-z]$")
_PRIVATE_SCRIPT: Final = re.compile(r"^Qa(a[a-z]|b[a-x])$")
#: XK (Kosovo) is in the private range but used by CLDR and Babel as a real region: allowed.
_PRIVATE_REGION: Final = re.compile(r"^(AA|Q[M-Z]|X[A-JL-Z]|ZZ)$")
_MAX_TAG_LENGTH: Final = 35
_SEPARATOR: Final = re.compile(r"[-_]")
_LANGUAGE_SUBTAG: Final = re.compile(r"^[a-z]{2,3}$")

#: Codes of one language as people write it, which CLDR keeps apart as macrolanguage and member:
#: most Norwegian text is Bokmål and is tagged ``no``. Declared languages, targets, native
#: languages and the detector's output may use either spelling; identity uses the first.
EQUIVALENT_LANGUAGES: Final = (frozenset({"nb", "no"}),)
_IDENTITY_SPELLING: Final = {"no": "nb"}

#: Largest CLDR language-matching distance (``langcodes.tag_distance``) at which a person's region
#: counts as inside a project's macro-region: ``es-MX`` → ``es-419`` is 1, ``es-ES`` → ``es-419`` 5.
_INSIDE_REGION_DISTANCE: Final = 1


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


@lru_cache(maxsize=TAG_CACHE_SIZE)
def parse_tag(tag: str) -> Tag:
    """(language, script, region) of a tag already canonical; checks nothing, raises nothing.

    Meant for stored, declared and detected tags; :func:`normalize_language` validates input.
    """
    language, *rest = _SEPARATOR.split(tag.strip())
    script = next((part for part in rest if len(part) == 4 and part.isalpha()), None)
    region = next((part for part in rest if len(part) == 2 or (len(part) == 3 and part.isdigit())), None)
    return Tag.of(language, script, region)


@lru_cache(maxsize=TAG_CACHE_SIZE)
def _canonical(code: str) -> str:
    try:
        standard = langcodes.standardize_tag(code)
        parsed = langcodes.Language.get(standard, normalize=True)
        if parsed.extlangs and len(parsed.extlangs) == 1:
            # RFC 5646: a language with an extlang is the extlang itself (zh-hak → hak).
            parsed = parsed.update_dict({"language": parsed.extlangs[0], "extlangs": None})
    except (LanguageTagError, ValueError, KeyError) as error:
        raise UnknownLanguage(code) from error
    language = parsed.language
    script, region = parsed.script, parsed.territory
    alias = _cldr_language_alias(language or "")
    if alias is not None:
        language, script, region = alias.language, script or alias.script, region or alias.region
    if (
        language is None
        or not _LANGUAGE_SUBTAG.match(language)
        or language in _NOT_LANGUAGES
        or _PRIVATE_LANGUAGE.match(language)
        or parsed.extlangs
        or parsed.variants
        or parsed.extensions
        or parsed.private
        or (script is not None and _PRIVATE_SCRIPT.match(script))
        or (region is not None and _PRIVATE_REGION.match(region))
        # Validity after the alias: the registry langcodes ships (2021) lacks cls, which CLDR maps to sa.
        or not langcodes.Language.make(language=language, script=script, territory=region).is_valid()
    ):
        raise UnknownLanguage(code)
    return str(Tag(language, script, region))


@lru_cache(maxsize=TAG_CACHE_SIZE)
def _cldr_language_alias(language: str) -> Tag | None:
    """CLDR's alias for a language subtag that the IANA registry keeps (``cmn`` → ``zh``, ``arb``
    → ``ar``, ``swh`` → ``sw``, ``prs`` → ``fa-AF``): an encompassed code replaced by its
    macrolanguage, as UTS #35 canonicalisation does and langcodes leaves to the caller."""
    alias = get_global("language_aliases").get(language)
    if not alias or alias == language:
        return None
    return parse_tag(alias)


def normalize_language(code: str) -> str:
    """The canonical BCP 47 tag (``zh_hans`` → ``zh-Hans``, ``iw`` → ``he``, ``eng-GB`` → ``en-GB``).

    Raises :class:`UnknownLanguage` for anything that is not a tag of a real language, or that
    carries variants, extensions or private use.
    """
    if not isinstance(code, str) or not code.strip() or len(code.strip()) > _MAX_TAG_LENGTH:
        raise UnknownLanguage(code)
    return _canonical(code.strip().replace("_", "-"))


def is_language(code: str) -> bool:
    try:
        normalize_language(code)
    except UnknownLanguage:
        return False
    return True


def canonicalised(code: str) -> str | None:
    """The canonical tag when it is *another code* than ``code`` (``iw`` → ``he``), not merely
    another spelling (``PT_br`` → ``pt-BR``); None otherwise. For telling a client what changed."""
    canonical = normalize_language(code)
    return canonical if canonical.lower() != code.strip().replace("_", "-").lower() else None


def primary_subtag(code: str) -> str:
    """``pt-BR`` → ``pt``: the language subtag as written.

    Whether two tags' languages are one is :func:`same_primary_language`, which knows equivalent codes.
    """
    return code.split("-", 1)[0].split("_", 1)[0].lower()


def spellings(language: str) -> frozenset[str]:
    """Every code of the language ``language`` (a primary subtag): ``nb`` → {nb, no}; most have one."""
    return next((group for group in EQUIVALENT_LANGUAGES if language in group), frozenset({language}))


@cache
def _codes_aliased_to() -> dict[str, frozenset[str]]:
    """Canonical language subtag → the older codes CLDR aliases to it (``he`` → {iw}, ``fil`` → {tl})."""
    found: dict[str, set[str]] = {}
    for old, new in get_global("language_aliases").items():
        if _LANGUAGE_SUBTAG.match(old) and _LANGUAGE_SUBTAG.match(new):
            found.setdefault(new, set()).add(old)
    return {new: frozenset(olds) for new, olds in found.items()}


def stored_spellings(tag: str) -> frozenset[str]:
    """Every language subtag a stored tag of ``tag``'s language may start with: its spellings and
    the older codes that canonicalise to it (rows written before canonicalisation say ``tl``)."""
    languages = {primary_subtag(tag), maximized(tag).language}
    codes = {code for language in languages for code in spellings(language)}
    return frozenset(codes | {old for code in codes for old in _codes_aliased_to().get(code, ())})


def same_primary_language(first: str, second: str) -> bool:
    """Whether two tags' language subtags name one language, whatever their scripts and regions."""
    return primary_subtag(second) in spellings(primary_subtag(first))


# --- identity: maximized tags ---------------------------------------------------------------


@lru_cache(maxsize=TAG_CACHE_SIZE)
def maximized(tag: str) -> Tag:
    """The tag with CLDR's likely script and region filled in: ``zh-TW`` → ``zh-Hant-TW``,
    ``pa-PK`` → ``pa-Arab-PK``, ``sr`` → ``sr-Cyrl-RS``. Equivalent codes take one spelling."""
    try:
        canonical = normalize_language(tag)
    except UnknownLanguage:
        canonical = str(parse_tag(tag))
    full = langcodes.Language.get(canonical).maximize()
    language = full.language or primary_subtag(tag)
    return Tag(_IDENTITY_SPELLING.get(language, language), full.script, full.territory)


def reading(tag: str) -> str:
    """What a reader of ``tag`` reads: its maximized language and script (``zh-TW`` → ``zh-Hant``)."""
    full = maximized(tag)
    return str(Tag(full.language, full.script))


@lru_cache(maxsize=TAG_CACHE_SIZE)
def minimal(tag: str) -> str:
    """The shortest tag that maximizes to the same one, for display: ``zh-Hans-CN`` → ``zh``,
    ``sr-Cyrl-RS`` → ``sr``, ``zh-Hant-TW`` → ``zh-Hant``, ``pt-Latn-PT`` → ``pt-PT``. CLDR's
    "remove likely subtags" favouring the script: the bare language, then language and script,
    then language and region (a reader cares which script, more than which country)."""
    full = maximized(tag)
    for candidate in (
        Tag(full.language),
        Tag(full.language, full.script),
        Tag(full.language, region=full.region),
    ):
        if maximized(str(candidate)) == full:
            return str(candidate)
    return str(full)


def likely_script(language: str) -> str | None:
    """The script a tag is written in by default, by CLDR: ``sr`` → ``Cyrl``; with a region, that
    region's usual one (``sr-ME`` → ``Latn``, ``pa-PK`` → ``Arab``)."""
    return maximized(language).script


def implied_script(tag: Tag) -> str | None:
    """The script a tag commits to: the one it spells, or the one its region implies (``zh-TW``
    → ``Hant``, ``pa-PK`` → ``Arab``); None for a bare language, which leaves the script open."""
    if tag.script:
        return tag.script
    if tag.region:
        return maximized(str(tag)).script
    return None


def region_matches(proficiency: str, item: str) -> bool:
    """Whether a reader of ``proficiency`` is of ``item``'s region: the same maximized region, or a
    country inside the item's macro-region by CLDR's language matching (``es-MX`` in ``es-419``)."""
    person, wanted = maximized(proficiency), maximized(item)
    if person.region == wanted.region:
        return True
    if wanted.region is None or not wanted.region.isdigit():
        return False
    distance = langcodes.tag_distance(str(person), str(wanted))
    return distance <= _INSIDE_REGION_DISTANCE


def can_read(proficiency: str, item: str, *, region_required: bool = False) -> bool:
    """Whether a native reader of ``proficiency`` may label items tagged ``item``.

    The same maximized language and script; with ``region_required`` (a project for ``pt-BR``
    only) also :func:`region_matches`. Macrolanguage and member are different languages unless
    they are two spellings of one (``zh`` is not ``yue``; ``no`` is ``nb``).
    """
    person, wanted = maximized(proficiency), maximized(item)
    if (person.language, person.script) != (wanted.language, wanted.script):
        return False
    return not region_required or region_matches(proficiency, item)


def served_targets(
    proficiencies: Iterable[str], targets: Iterable[str], *, region_required: bool = False
) -> list[str]:
    """The tags of ``targets`` (a project's languages) that a native reader of any of
    ``proficiencies`` may label, sorted."""
    mine = list(proficiencies)
    return sorted(
        target
        for target in set(targets)
        if any(can_read(p, target, region_required=region_required) for p in mine)
    )


def preferred_targets(proficiencies: Iterable[str], targets: Iterable[str]) -> list[str]:
    """Of ``targets``, those read by someone of the same region too: routing offers them first."""
    mine = list(proficiencies)
    return sorted(
        target for target in set(targets) if any(can_read(p, target, region_required=True) for p in mine)
    )


# --- declared against detected --------------------------------------------------------------


def _agree(first: str | None, second: str | None) -> bool:
    """Two subtags agree unless both are spelt out and differ."""
    return first is None or second is None or first == second


@lru_cache(maxsize=TAG_CACHE_SIZE)
def _language_identity(language: str) -> str:
    """One code per language, whichever code a stored tag uses (``tl`` → ``fil``, ``no`` → ``nb``)."""
    try:
        canonical = parse_tag(normalize_language(language)).language
    except UnknownLanguage:
        canonical = language
    return _IDENTITY_SPELLING.get(canonical, canonical)


def compatible(first: Tag, second: Tag) -> bool:
    """:func:`compatible_tags` on parsed tags."""
    return (
        _language_identity(first.language) == _language_identity(second.language)
        and _agree(implied_script(first), implied_script(second))
        and _agree(first.region, second.region)
    )


def compatible_tags(first: str, second: str) -> bool:
    """Whether two tags can name the same items: one language, the same script where both commit
    to one (spelt, or implied by the region: ``zh-TW`` is Traditional), and the same region where
    both spell one. ``pt`` and ``pt-BR`` are compatible, and so are ``nb`` and ``no``; ``pt-BR``
    and ``pt-PT``, ``zh-Hans`` and ``zh-Hant``, or ``zh-TW`` and ``zh-Hans`` are not."""
    return compatible(parse_tag(first), parse_tag(second))


def written_tag(tag: str) -> Tag:
    """``tag`` with its script spelt out, the language's usual one where the tag leaves it implicit.

    For a tag that describes a text actually written (the detector's): ``zh`` there is Simplified,
    where a declared ``zh`` would fit either script.
    """
    parsed = parse_tag(tag)
    return parsed if parsed.script else replace(parsed, script=likely_script(str(parsed)))


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


class Ambiguous(Exception):
    """Several of a project's languages fit a tag equally well: a person must choose."""


def target_for(tag: str, targets: Iterable[str]) -> str | None:
    """The project language (one of ``targets``) an item of ``tag`` is routed as, or None.

    The target itself when listed; else the one compatible target (``zh-CN`` → ``zh-Hans``;
    ``pt`` → ``pt-BR`` when it is the only Portuguese). Where several are compatible, the one of
    the tag's own reading (a bare ``sr`` is Cyrillic), then of its spelt region; else
    :class:`Ambiguous` (``pt`` in a project with ``pt-BR`` and ``pt-PT``: a person must choose).
    """
    options = sorted(set(targets))
    if tag in options:
        return tag
    parsed = parse_tag(tag)
    fits = [target for target in options if compatible(parsed, parse_tag(target))]
    if len(fits) <= 1:
        return fits[0] if fits else None
    same_reading = [target for target in fits if reading(target) == reading(tag)] or fits
    if len(same_reading) == 1:
        return same_reading[0]
    if parsed.region is not None:
        regional = [target for target in same_reading if maximized(target).region == parsed.region]
        if len(regional) == 1:
            return regional[0]
    raise Ambiguous(tag)
