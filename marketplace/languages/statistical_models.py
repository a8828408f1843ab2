"""The two statistical models detection asks, py3langid and langdetect: loaded once, then asked.

py3langid is a naive Bayes model shipped inside its package (nothing is downloaded), scored by
:mod:`marketplace.languages.langid_model`. langdetect is only a second opinion on answers just below
the bar: a call costs as much as ~40 py3langid detections.

Importing this module loads neither model, nor numpy: the first detection does (about a second), or
:func:`warm_up` at a worker's start. Both load once per process behind a lock, and langdetect runs
on a private factory with a fixed seed, so answers are repeatable across processes and threads.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

    from marketplace.languages.langid_model import LangidModel

#: langdetect's codes that are not the BCP 47 tag a router knows.
_LANGDETECT_CODES: Final = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant", "no": "nb"}
_LANGDETECT_TRIALS: Final = 3


class Models:
    """py3langid and langdetect, loaded once per process on first use (the import stays cheap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identifier: LangidModel | None = None
        self._langdetect: DetectorFactory | None = None

    def identifier(self) -> LangidModel:
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    from marketplace.languages.langid_model import LangidModel

                    self._identifier = LangidModel()
        return self._identifier

    def langdetect_factory(self) -> DetectorFactory:
        if self._langdetect is None:
            with self._lock:
                if self._langdetect is None:
                    self._langdetect = _seeded_factory()
        return self._langdetect


def _seeded_factory() -> DetectorFactory:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    # A private factory with a fixed seed: every Detector it creates seeds its own random generator
    # with it, so the answer is the same in every process and threads never share a generator.
    factory.set_seed(0)
    return factory


MODELS: Final = Models()


def langdetect_best(text: str) -> tuple[str, float] | None:
    """langdetect's best guess as (tag, probability), or None when it has none."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = MODELS.langdetect_factory().create()
    # Three random walks instead of seven: it halves the cost of the slowest step, and on the tuning
    # half it agreed with the model as often, and as rightly, as with seven.
    detector.n_trial = _LANGDETECT_TRIALS
    detector.append(text)
    try:
        best = detector.get_probabilities()
    except LangDetectException:
        return None
    if not best:
        return None
    code = _LANGDETECT_CODES.get(best[0].lang, best[0].lang)
    return code, float(best[0].prob)


def warm_up() -> None:
    """Load the models now (a worker calls this at start so the first item is not slow)."""
    MODELS.identifier()
    MODELS.langdetect_factory()
