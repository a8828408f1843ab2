"""The language of a text in a script many languages share (Latin, Cyrillic, Arabic, Devanagari...).

py3langid's length-aware softmax is well calibrated, so its probability is the answer's test: it
is accepted above a bar that depends on the length, and a higher one when the runner-up is a close
relative (hr/bs, id/ms, hi/ne, cs/sk, da/nb...): those go to triage as *ambiguous* rather than to a
guess. Just below the bar langdetect (seeded, so repeatable) is asked, and the answer stands only if
both agree: the band is narrow, so it is asked for about one text in 80. Long texts are also scored
sentence by sentence, to find mixed ones (:mod:`marketplace.languages.mixing`).
"""

from __future__ import annotations

from marketplace.languages import statistical_models
from marketplace.languages.close_languages import close
from marketplace.languages.labels import rank
from marketplace.languages.mixing import MIN_SENTENCE, mixed_sentences, split_sentences
from marketplace.languages.result import (
    METHOD_MODEL,
    METHOD_MODEL_LANGDETECT,
    REASON_AMBIGUOUS,
    REASON_MIXED,
    REASON_TOO_SHORT,
    REASON_UNCERTAIN,
)
from marketplace.languages.statistical_models import MODELS
from marketplace.languages.tags import same_primary_language
from marketplace.languages.thresholds import Thresholds
from marketplace.languages.verdict import Verdict, undecided

Candidates = tuple[tuple[str, float], ...]


def _ranked(text: str, script: str, is_long: bool, thresholds: Thresholds) -> Candidates | Verdict:
    """The whole text's candidates, or the *mixed* verdict when its sentences disagree."""
    model = MODELS.identifier()
    sentences = split_sentences(text) if is_long else [text]
    if len(sentences) > 1 and sum(len(sentence) >= MIN_SENTENCE for sentence in sentences) > 1:
        whole, scored = model.score_sentences(sentences, MIN_SENTENCE)
        mixed = mixed_sentences(scored, len(text), script, thresholds)
        if mixed:
            return undecided(REASON_MIXED, mixed)
        return rank(whole, script, thresholds)
    return rank(model.probabilities(text), script, thresholds)


def _is_close_call(ranked: Candidates, thresholds: Thresholds) -> bool:
    """A close relative of the best candidate is a serious runner-up."""
    return len(ranked) > 1 and close(ranked[0][0], ranked[1][0]) and ranked[1][1] >= thresholds.close_min


def _bar(is_long: bool, is_close: bool, thresholds: Thresholds) -> float:
    if is_close:
        return thresholds.long_close_accept if is_long else thresholds.short_close_accept
    return thresholds.long_accept if is_long else thresholds.short_accept


def _second_opinion(text: str, best: str, probability: float, thresholds: Thresholds) -> float | None:
    """The confidence when langdetect surely agrees with ``best``, else None."""
    other = statistical_models.langdetect_best(text)
    if other and other[1] >= thresholds.langdetect_agree and same_primary_language(other[0], best):
        return (probability + other[1]) / 2
    return None


def model_language(text: str, script: str, letters: int, thresholds: Thresholds) -> Verdict:
    """The language of ``text`` (``letters`` letters, written in ``script``), by the model."""
    if letters < thresholds.min_letters:
        return undecided(REASON_TOO_SHORT)
    is_long = letters >= thresholds.long_letters
    ranked = _ranked(text, script, is_long, thresholds)
    if isinstance(ranked, Verdict):
        return ranked
    if not ranked:
        return undecided(REASON_UNCERTAIN)
    top = ranked[:4]
    best, probability = ranked[0]
    is_close = _is_close_call(ranked, thresholds)
    accept = _bar(is_long, is_close, thresholds)
    if probability >= accept:
        return Verdict(best, probability, METHOD_MODEL, routed=True, candidates=top)
    gap = thresholds.long_second_opinion_gap if is_long else thresholds.short_second_opinion_gap
    if gap and probability >= accept - gap:
        confidence = _second_opinion(text, best, probability, thresholds)
        if confidence is not None:
            return Verdict(best, confidence, METHOD_MODEL_LANGDETECT, routed=True, candidates=top)
    return undecided(REASON_AMBIGUOUS if is_close else REASON_UNCERTAIN, top, method=METHOD_MODEL)
