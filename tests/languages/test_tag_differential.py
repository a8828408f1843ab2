"""Differential test: our tag canonicalisation against langcodes, on thousands of real tags.

:func:`normalize_language` is built on ``langcodes.standardize_tag``; it must agree with it on
every tag except where we *meant* to differ. Each intended difference is a named rule below with
its reason, and a difference no rule explains fails the test, listing the tags. The tags are
CLDR's likely-subtags keys (every language, script and region combination CLDR knows), their
maximized values, other spellings of them, the keys with a region added, every code CLDR
aliases, and a hand list of deprecated, grandfathered, private-use and malformed codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

import langcodes
from babel.core import get_global

from marketplace.languages.tags import UnknownLanguage, maximized, normalize_language

#: Stands for "refused" (an exception) in either implementation's answer.
REFUSED: Final = "<refused>"

#: Regions appended to the likely-subtags keys: countries, a macro-region and the world.
_EXTRA_REGIONS: Final = ("US", "BR", "IN", "CH", "ZA", "TW", "DE", "MX", "419", "001")

#: Deprecated, grandfathered, alias, private-use and malformed codes, each a case a client sends.
HAND_TAGS: Final = (
    # deprecated ISO 639-1 codes and other registry replacements
    "iw", "in", "ji", "jw", "mo", "sh", "tl", "iw-IL", "in-ID", "ji-US", "mo-MD", "sh-BA", "tl-PH",
    "tw", "bh", "cnr", "no", "nb", "nn", "fil", "en-840", "es-419", "de-DD", "en-UK",
    # ISO 639-2/3 spellings of languages that have a two-letter code
    "eng", "deu", "fra", "spa-MX", "zho-Hant", "ara", "eng-GB", "deu-CH", "por-BR", "rus",
    # extlang and grandfathered forms
    "zh-yue", "zh-cmn", "zh-cmn-Hans", "zh-cmn-Hant-TW", "zh-min-nan", "zh-guoyu", "zh-hakka",
    "zh-gan", "zh-hak", "ar-arb", "sgn-ase", "i-klingon", "i-navajo", "i-default", "i-enochian",
    "art-lojban", "no-bok", "no-nyn", "sgn-BR", "sgn-DE", "sgn-US", "en-GB-oed",
    # CLDR language aliases (encompassed code → macrolanguage, retired codes)
    "cmn", "cmn-Hant-TW", "arb", "arb-EG", "swh", "swh-KE", "prs", "ajp", "aju", "kxe", "drw",
    "zsm", "pes", "cls",
    # not a language a person reads natively
    "und", "und-Latn", "und-US", "mul", "zxx", "mis",
    # private use
    "qaa", "qtz-Latn", "en-Qaaa", "en-Qabx", "en-AA", "en-QM", "en-XA", "en-ZZ", "x-foo", "en-x-foo",
    # variants and extensions
    "de-1996", "de-CH-1901", "sl-rozaj", "zh-Latn-pinyin", "en-US-u-ca-gregory", "en-a-bbb",
    "ja-Latn-hepburn", "ca-ES-valencia",
    # unknown to the registry, or not a tag at all
    "tok", "xx", "abcde", "abcdefgh", "es-XX", "zh-Abcd", "e", "12", "es--ES", "spa-mx-latn", "en-",
)  # fmt: skip


def _tags() -> list[str]:
    """The tags under test, in a stable order without repeats."""
    likely: Mapping[str, str] = get_global("likely_subtags")
    keys = [key.replace("_", "-") for key in likely if not key.startswith("und")]
    tags: list[str] = []
    for n, key in enumerate(keys):
        tags.append(key)
        tags.append(likely[key.replace("-", "_")].replace("_", "-"))
        # Other spellings (upper case with underscores, or every subtag's case swapped) and an added
        # region, each on a third of the keys: enough to cover every shape, and the test stays fast.
        if n % 3 == 0:
            tags.append(key.upper().replace("-", "_") if n % 2 else key.swapcase())
        elif n % 3 == 1 and "-" not in key:
            tags.append(f"{key}-{_EXTRA_REGIONS[n % len(_EXTRA_REGIONS)]}")
    tags.extend(HAND_TAGS)
    # Every language CLDR aliases, alone and with a region: the rule langcodes does not apply.
    aliases: Mapping[str, str] = get_global("language_aliases")
    tags.extend(alias for code in aliases for alias in (code, f"{code}-CH"))
    return list(dict.fromkeys(tags))


TAGS: Final = _tags()


def ours(tag: str) -> str:
    try:
        return normalize_language(tag)
    except UnknownLanguage:
        return REFUSED
    except Exception as error:  # any other exception is a bug of its own: report it with the tag
        return f"<crash {type(error).__name__}: {error}>"


def theirs(tag: str) -> str:
    try:
        return langcodes.standardize_tag(tag)
    except ValueError:  # LanguageTagError
        return REFUSED


@cache
def parsed(standard: str) -> langcodes.Language:
    """langcodes' own reading of its standardized answer: the oracle the rules consult."""
    return langcodes.Language.get(standard, normalize=False)


# --- the intended differences -----------------------------------------------------------------
#
# The reference is langcodes' answer with CLDR's language alias applied (the one transformation we
# add), then refused where one of the refusal rules holds. Each rule is a difference from
# langcodes we mean to have; anything else is a bug on one side or the other.

_PRIVATE_LANGUAGE: Final = re.compile(r"^q[a-t][a-z]$")
_PRIVATE_SCRIPT: Final = re.compile(r"^Qa(a[a-z]|b[a-x])$")
_PRIVATE_REGION: Final = re.compile(r"^(AA|Q[M-Z]|X[A-JL-Z]|ZZ)$")  # XK (Kosovo) is CLDR's real region


@dataclass(frozen=True)
class Refusal:
    """An intended difference: tags langcodes answers, that we refuse when ``check`` holds of them."""

    name: str
    reason: str
    check: Callable[[langcodes.Language], bool]


def _private(tag: langcodes.Language) -> bool:
    return bool(
        tag.private
        or (tag.language or "").startswith("x-")  # langcodes reads "x-foo" as a language
        or (tag.language and _PRIVATE_LANGUAGE.match(tag.language))
        or (tag.script and _PRIVATE_SCRIPT.match(tag.script))
        or (tag.territory and _PRIVATE_REGION.match(tag.territory))
    )


REFUSALS: Final = (
    Refusal(
        "not-a-language",
        "und, mul, zxx and mis name no language a person reads natively: uploads send und to "
        "detection instead, and nobody is routed as a native reader of mul.",
        lambda t: t.language is None or t.language in {"und", "mul", "zxx", "mis"},
    ),
    Refusal(
        "private-use",
        "private use (qaa–qtz, Qaaa–Qabx, regions AA/QM–QZ/XA–XZ/ZZ but XK, x- subtags) means whatever two "
        "parties agreed, never something we can route on.",
        _private,
    ),
    Refusal(
        "variant-or-extension",
        "variants and extensions (de-1996, en-u-ca-…) are orthographies or preferences routing "
        "cannot honour; a stored tag is language[-Script][-REGION].",
        lambda t: bool(t.variants or t.extensions),
    ),
    Refusal(
        "language-not-2-or-3-letters",
        "4-letter language subtags are reserved and no 5–8-letter one is registered for use.",
        lambda t: not re.fullmatch(r"[a-z]{2,3}", t.language or ""),
    ),
    Refusal(
        "invalid-in-registry",
        "langcodes parses any well-formed tag, but Language.is_valid() rejects subtags its IANA "
        "registry lacks; we store only valid tags (its 2021 snapshot predates some codes CLDR "
        "has, such as tok and isv).",
        lambda t: not t.is_valid(),
    ),
)

CLDR_ALIAS: Final = (
    "cldr-language-alias",
    "CLDR's language aliases (cmn→zh, arb→ar, swh→sw, prs→fa-AF): UTS #35 canonicalisation, "
    "which langcodes leaves to the caller (standardize_tag(macro=True) covers only part of it).",
)

EXTLANG: Final = (
    "extlang-as-language",
    "an extlang langcodes leaves in place (zh-hak, ar-arb, sgn-ase) is read as the language it "
    "names (hak, ar, ase), as RFC 5646 §2.2.2 says its preferred form is.",
)


def with_extlang_as_language(standard: str) -> str:
    """``standard`` with a single surviving extlang made the language (zh-hak → hak)."""
    tag = parsed(standard)
    if not tag.extlangs or len(tag.extlangs) != 1:
        return standard
    return str(tag.update_dict({"language": tag.extlangs[0], "extlangs": None}).to_tag())


@cache
def with_cldr_alias(standard: str) -> str:
    """``standard`` with CLDR's alias for its language subtag applied (UTS #35 §3.3.1: replace
    the language; keep the tag's script and region, else take the alias's)."""
    tag = parsed(standard)
    alias: str | None = get_global("language_aliases").get(tag.language or "")
    if not alias or alias == tag.language:
        return standard
    target = langcodes.Language.get(alias.replace("_", "-"), normalize=False)
    new = {
        "language": target.language,
        "script": tag.script or target.script,
        "territory": tag.territory or target.territory,
    }
    return str(tag.update_dict(new).to_tag())


@cache
def refusal_for(reference: str) -> str | None:
    """The name of the first refusal rule that holds of ``reference``, if any."""
    return next((rule.name for rule in REFUSALS if rule.check(parsed(reference))), None)


# --- tests ------------------------------------------------------------------------------------


def test_enough_tags() -> None:
    """The comparison means something only over many tags of every shape."""
    assert len(TAGS) >= 500, len(TAGS)


def test_canonicalisation_agrees_with_langcodes_except_where_intended() -> None:
    """Every difference from langcodes is a listed one, each listed one is applied wherever it
    holds (a refusal rule is a promise too), and each still happens on some tag."""
    wrong: list[str] = []
    used: dict[str, int] = {
        name: 0 for name in [rule.name for rule in REFUSALS] + [CLDR_ALIAS[0], EXTLANG[0]]
    }
    for tag in TAGS:
        mine, standard = ours(tag), theirs(tag)
        if standard == REFUSED:
            if mine != REFUSED:
                wrong.append(f"{tag!r}: ours {mine!r}, langcodes refuses it")
            continue
        unextended = with_extlang_as_language(standard)
        if unextended != standard:
            used[EXTLANG[0]] += 1
        expected = with_cldr_alias(unextended)
        refusal = refusal_for(expected)
        if refusal is not None:
            if mine != REFUSED:
                wrong.append(f"{tag!r}: ours {mine!r}, langcodes {standard!r}, should be refused ({refusal})")
            else:
                used[refusal] += 1
        elif mine != expected:
            wrong.append(f"{tag!r}: ours {mine!r}, langcodes {standard!r}, expected {expected!r}")
        elif expected != unextended:
            used[CLDR_ALIAS[0]] += 1
    assert not wrong, f"{len(wrong)} unlisted differences from langcodes:\n" + "\n".join(wrong)
    # A listed difference nothing exercises is dead, or no longer tested: keep the list small.
    assert all(used.values()), f"intended differences never seen: {[n for n, c in used.items() if not c]}"


def test_an_alias_newer_than_the_registry_of_langcodes() -> None:
    """``cls`` (Classical Sanskrit) is not in langcodes' 2021 registry, but CLDR aliases it to sa:
    validity is checked after the alias."""
    assert ours("cls") == "sa" and ours("cls-CH") == "sa-CH"


def test_known_canonical_forms() -> None:
    """The aliases and deprecated codes of our issue, spelt out (the differential checks the rest)."""
    expected = {
        "iw": "he", "in": "id", "ji": "yi", "mo": "ro", "sh": "sr-Latn", "tl": "fil", "eng": "en",
        "deu": "de", "zh-yue": "yue", "zh-cmn-Hans": "zh-Hans", "i-klingon": "tlh",
        "art-lojban": "jbo", "no-bok": "nb", "sgn-BR": "bzs", "cmn": "zh", "arb": "ar", "swh": "sw",
        "prs": "fa-AF", "cmn-Hant-TW": "zh-Hant-TW", "arb-EG": "ar-EG", "eng-GB": "en-GB",
    }  # fmt: skip
    assert {tag: ours(tag) for tag in expected} == expected


def test_canonical_tags_are_fixed_points() -> None:
    """Normalising twice changes nothing: stored tags compare equal to re-normalised input."""
    moved = [
        f"{tag!r}: {first!r} → {second!r}"
        for tag in TAGS
        if (first := ours(tag)) != REFUSED and (second := ours(first)) != first
    ]
    assert not moved, "not idempotent:\n" + "\n".join(moved)


#: The one intended difference of maximize: ``no`` maximizes with language ``nb``
#: (EQUIVALENT_LANGUAGES), since most text tagged ``no`` is Bokmål and a ``no`` reader must match
#: ``nb`` items; langcodes keeps ``no``.
MAXIMIZE_NO_AS_NB: Final = ("no", "nb")


def test_maximize_agrees_with_langcodes() -> None:
    """Identity uses maximized tags: ours must be langcodes' likely subtags, bar MAXIMIZE_NO_AS_NB."""
    differences: list[str] = []
    checked = no_as_nb = 0
    for canonical in sorted({c for c in map(ours, TAGS) if c != REFUSED}):
        mine = maximized(canonical)
        full = langcodes.Language.get(canonical).maximize()
        theirs_max = (full.language, full.script, full.territory)
        ours_max = (mine.language, mine.script, mine.region)
        checked += 1
        if ours_max == theirs_max:
            continue
        if (theirs_max[0], ours_max[0]) == MAXIMIZE_NO_AS_NB and ours_max[1:] == theirs_max[1:]:
            no_as_nb += 1
            continue
        differences.append(f"{canonical!r}: ours {mine}, langcodes {full.to_tag()}")
    assert checked >= 500, checked
    assert not differences, f"{len(differences)} maximize differences:\n" + "\n".join(differences)
    assert no_as_nb, "the no → nb rule is never exercised"
