"""py3langid's model, scored so that one pass serves a text and each of its sentences.

Kept apart from the detection pipeline (:mod:`marketplace.languages.detector`) so that importing
the languages package (which every web process does) imports neither numpy nor the model: this
module is imported on the first detection.

The model is a byte n-gram automaton plus a table of per-language feature weights, shipped inside
the py3langid package. py3langid's own entry point scores one string per call; mixed-language
detection needs the text *and* each of its sentences, so this class walks the automaton once per
sentence (py3langid's ``visit_counts``), adds the sentence counts up for the whole text, and scores
each count set with the model's arrays. The score is the model's documented one: naive Bayes
log-likelihoods (``log1p(counts) · weights + priors``), a softmax at temperature √bytes (py3langid
0.4's length-aware calibration) and duplicate labels (Serbian and Uzbek, one column per script)
summed into one. The version is pinned (``py3langid>=0.4,<0.5``): thresholds are tuned to this
model's calibration, and a new model needs new ones.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import cache
from itertools import chain

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float32]


class LangidModel:
    """Probabilities per model label for texts; load once (about a second) and share."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        self._visit_counts = visit_counts
        self._nextmove = identifier.tk_nextmove
        self._rowbase = [row << 8 for row in identifier.tk_row]
        self._output = identifier.tk_output
        # float32: gathering rows of the shipped float16 table took a third of a detection's time.
        self._weights: Scores = np.asarray(identifier.nb_ptc, dtype=np.float32)
        self._priors: Scores = np.asarray(identifier.nb_pc, dtype=np.float32)
        labels = [str(label) for label in identifier.nb_classes]
        first: dict[str, int] = {}
        self._duplicates: list[tuple[int, int]] = []
        for index, label in enumerate(labels):
            if label in first:
                self._duplicates.append((first[label], index))
            else:
                first[label] = index
        self.labels: tuple[str, ...] = tuple(labels)

    @staticmethod
    def encode(text: str) -> bytes:
        # The model was trained on lowercase where a text is all capitals.
        return (text.lower() if text.isupper() else text).encode("utf-8", errors="surrogatepass")

    def counts(self, data: bytes) -> Counter[int]:
        """How often each of the model's n-gram features occurs in ``data``."""
        found: Counter[int] | None = self._visit_counts(self._nextmove, self._rowbase, self._output, data)
        return found if found is not None else Counter()

    def score(self, counts: Counter[int], size: int) -> Scores | None:
        """Probability per label of a text of ``size`` bytes with these feature ``counts``."""
        if not counts:
            return None
        features = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        return self._score(features, values, size)

    def _score(self, features: npt.NDArray[np.intp], values: Scores, size: int) -> Scores:
        scores: Scores = (np.log1p(values) @ self._weights[features] + self._priors).astype(np.float32)
        scores *= np.float32(1.0 / math.sqrt(size or 1))
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for keep, duplicate in self._duplicates:
            scores[keep] += scores[duplicate]
            scores[duplicate] = 0.0
        return scores

    def score_sentences(
        self, sentences: Sequence[str], min_length: int
    ) -> tuple[Scores | None, list[tuple[str, Scores | None]]]:
        """Probabilities for a whole text and for each of its sentences of ``min_length`` or more.

        One walk per sentence; the text's counts are their sum (an n-gram across a sentence
        boundary is lost: a space or two's worth).
        """
        encoded = [self.encode(sentence) for sentence in sentences]
        counts = [self.counts(data) for data in encoded]
        scored = [
            (sentence, self.score(found, len(data)))
            for sentence, found, data in zip(sentences, counts, encoded, strict=True)
            if len(sentence) >= min_length
        ]
        size = sum(len(found) for found in counts)
        if not size:
            return None, scored
        features = np.fromiter(chain.from_iterable(counts), dtype=np.intp, count=size)
        values = np.fromiter(
            chain.from_iterable(found.values() for found in counts), dtype=np.float32, count=size
        )
        unique, where = np.unique(features, return_inverse=True)
        summed = np.bincount(where, weights=values).astype(np.float32)
        return self._score(unique, summed, sum(map(len, encoded))), scored

    def probabilities(self, text: str) -> Scores | None:
        data = self.encode(text)
        return self.score(self.counts(data), len(data))

    def best(self, scores: Scores, label_weights: tuple[float, ...], count: int) -> list[tuple[str, float]]:
        """The ``count`` likeliest labels after weighing each label's probability, renormalised.

        A stable sort: equal scores keep the model's label order, the same in every process.
        """
        weighted = scores * _vector(label_weights)
        total = float(weighted.sum())
        if total <= 0.0:
            return []
        order = np.argsort(-weighted, kind="stable")[:count].tolist()
        return [(self.labels[i], float(weighted[i]) / total) for i in order if weighted[i] > 0.0]

    def as_dict(self, scores: Scores | None) -> dict[str, float]:
        if scores is None:
            return {}
        return dict(zip(self.labels, scores.tolist(), strict=True))


@cache
def _vector(values: Sequence[float]) -> Scores:
    return np.asarray(values, dtype=np.float32)
