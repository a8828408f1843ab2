"""py3langid's labels as the tags a router knows, and their priors.

The model speaks its own vocabulary: dialect labels (Egyptian Arabic), labels that are no language
a person is a native speaker of (Latin, Volapük), and bare language codes for texts in any script.
A router needs a normalised BCP 47 tag of a living language, with its script when the language has
more than one (Serbian in Latin letters is ``sr-Latn``, in Cyrillic ``sr-Cyrl``). This module makes
that translation, and weighs languages official nowhere down (see :func:`_is_major`), then ranks
the model's candidates.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Final

from babel.core import get_global

from marketplace.languages.script_tags import tag_in_script
from marketplace.languages.statistical_models import MODELS
from marketplace.languages.tags import (
    UnknownLanguage,
    maximized,
    normalize_language,
    primary_subtag,
    spellings,
)
from marketplace.languages.thresholds import Thresholds

if TYPE_CHECKING:
    from marketplace.languages.langid_model import Scores

#: Model labels folded into the language a router knows: Arabic dialects are Arabic, py3langid's
#: ``no`` is Bokmål (``nn`` is its own label), Southern Uzbek is Uzbek in Arabic script.
_FOLD: Final = {
    "no": "nb",
    "ary": "ar",
    "arz": "ar",
    "hbo": "he",
    "uzs": "uz-Arab",
    "gug": "gn",
    "fuv": "ff",
    "gom": "kok",
    "kik": "ki",
}
#: Model labels that are no language a person can be a native speaker of, or no BCP 47 tag.
_DROP: Final = frozenset({"zxx", "bcl", "gcf", "gcr", "guw", "la", "vo", "grc", "sa"})

#: Official somewhere, yet rare in items and a magnet for its neighbours' texts: the model's Southern
#: Uzbek (Arabic script) label takes short Persian and Urdu texts.
_MINOR_DESPITE_STATUS: Final = frozenset({"uz-Arab"})
_OFFICIAL: Final = frozenset({"official", "de_facto_official", "official_regional"})

_TOP: Final = 8
"""Candidates looked at per text: folding and output only concern the best few."""


@cache
def _language_of(label: str) -> str | None:
    """A model label as a routable BCP 47 language (dialects folded), None if it names none."""
    if label in _DROP:
        return None
    try:
        return normalize_language(_FOLD.get(label, label))
    except UnknownLanguage:
        return None


@cache
def output_tag(label: str, script: str) -> str | None:
    """A model label as the BCP 47 tag a router needs for a text in ``script``: with the script
    wherever the language is written in more than one (Serbian is ``sr-Cyrl`` or ``sr-Latn``, Uzbek
    in Arabic letters ``uz-Arab``: :func:`~marketplace.languages.script_tags.tag_in_script`); None
    for labels that name no routable language, or no language CLDR knows in that script (Korean is
    not written in Latin letters: the model saying so is a confusion, not a romanisation)."""
    tag = _language_of(label)
    return None if tag is None else tag_in_script(tag, script)


@cache
def _is_major(tag: str) -> bool:
    """Official somewhere (nationally or regionally), by CLDR's territory data.

    The model gives every one of its languages the same prior, but an item is far likelier to be in
    Spanish than in Extremaduran or Aragonese; languages official nowhere get a smaller prior
    (``Thresholds.minor_prior``), so their look-alikes do not drain the probability of the language
    the text is almost surely in. A text really in such a language is then sent to triage, or, when
    the client declared it, flagged as a mismatch: a cost in routing, never a silent misroute of a
    declared item. CLDR lists a language under one of its spellings (Tagalog under ``fil``).
    """
    if tag in _MINOR_DESPITE_STATUS:
        return False
    codes = spellings(primary_subtag(tag))
    return any(
        (languages.get(code) or {}).get("official_status") in _OFFICIAL
        for languages in get_global("territory_languages").values()
        for code in codes
    )


@cache
def _label_weights(labels: tuple[str, ...], minor_prior: float) -> tuple[float, ...]:
    """Per model label: 0 if it is no routable language, ``minor_prior`` if official nowhere, else 1."""
    weights = []
    for label in labels:
        tag = _language_of(label)
        weights.append(0.0 if tag is None else 1.0 if _is_major(tag) else minor_prior)
    return tuple(weights)


@cache
def _known_forms() -> frozenset[tuple[str, str | None]]:
    """(language, script) of every written form the model has a label for, maximized."""
    model = MODELS.identifier()
    forms = (maximized(tag) for tag in map(_language_of, model.labels) if tag is not None)
    return frozenset((form.language, form.script) for form in forms)


def model_knows(language: str, script: str) -> bool:
    """Whether the model has a label for ``language`` (a tag; its language subtag counts) written
    in ``script``: a label of the language, in its usual script, or one folded into that written
    form (Southern Uzbek is ``uz-Arab``). py3langid's Punjabi is Gurmukhi and its Serbian Cyrillic,
    and it has no Saraiki or Asturian at all: its probability for those forms is no evidence
    against a declaration. Loads the model."""
    return (maximized(primary_subtag(language)).language, script) in _known_forms()


def rank(probabilities: Scores | None, script: str, thresholds: Thresholds) -> tuple[tuple[str, float], ...]:
    """The model's candidates as (tag, probability), best first, dialects folded, priors applied."""
    if probabilities is None:
        return ()
    model = MODELS.identifier()
    merged: dict[str, float] = {}
    for label, probability in model.best(
        probabilities, _label_weights(model.labels, thresholds.minor_prior), _TOP
    ):
        tag = output_tag(label, script)
        if tag is not None:
            merged[tag] = merged.get(tag, 0.0) + probability
    return tuple(sorted(merged.items(), key=lambda item: (-item[1], item[0])))
