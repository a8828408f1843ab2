"""The numbers that trade automatic routing against misrouting, in one place.

Every step of detection reads its bar from one :class:`Thresholds`, so the benchmark
(``benchmarks/language_detection.py``) can tune them all on one half of its corpus and measure the
other; the app uses :data:`DEFAULT_THRESHOLDS`, the values that tuning chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The numbers that trade automatic routing against misrouting, tuned on the benchmark corpus.

    Probabilities are the model's after folding dialect labels into their language and weighing
    minor languages down. Texts with fewer than ``long_letters`` letters use the ``short_*`` values.
    Measured on the tuning half: with no close relative as runner-up the model is right ~95% of the
    time from p = 0.5 on; with one (hr/bs, hi/mr/ne, es/gl...) it needs p ≈ 0.75-0.9 for the same.
    """

    min_letters: int = 4
    """Fewer letters (in a shared script) than this is too short for a statistical model."""
    long_letters: int = 60
    short_accept: float = 0.60
    long_accept: float = 0.50
    close_min: float = 0.15
    """A runner-up from the best candidate's close group with this probability makes the call close."""
    short_close_accept: float = 0.75
    """What a close call needs."""
    long_close_accept: float = 0.75
    short_second_opinion_gap: float = 0.05
    """Up to this much below the bar, langdetect is asked, and its agreement lets the answer stand.
    Kept narrow: a call costs as much as ~40 detections, and the band below holds few right answers."""
    long_second_opinion_gap: float = 0.05
    langdetect_agree: float = 0.90
    """langdetect's own probability must reach this for its agreement to count."""
    minor_prior: float = 0.2
    """Prior weight of languages that are official nowhere, against 1 for the others."""
    han_model_accept: float = 0.99
    """Shared Han characters: the model's probability that decides Chinese against Japanese."""
    hint_min: float = 0.40
    """An undecided text takes the declared language when its probability reaches this. Measured on
    the tuning half: a right declaration then routes 78% of short texts instead of 68%, with no
    misroute; a wrong one naming a whole batch's language misroutes 0.01%; the worst case, a wrong
    declaration that is each text's likeliest confusion (hr for Bosnian), misroutes 6% (11% at 0.3,
    18% at 0.2)."""
    mixed_segment: float = 0.90
    """Two sentences detected this surely in different language families make a text mixed."""
    mixed_share: float = 0.20
    """A second script or language with this share of the letters makes a text mixed."""
    foreign_letters: int = 4
    """Letters of a non-Latin script inside Latin text that count as a second language."""
    latin_in_other: float = 0.40
    """Share of running (lowercase) Latin words in a non-Latin text that makes it mixed."""


DEFAULT_THRESHOLDS: Final = Thresholds()
