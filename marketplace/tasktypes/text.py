"""Task types on a piece of text: classification (single and multi-label), NER spans and rating."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from flask_babel import gettext as _  # type: ignore[import-untyped, unused-ignore]
from flask_babel import (  # type: ignore[import-untyped, unused-ignore]
    lazy_gettext,
)

from marketplace.tasktypes.base import (
    MAX_NOTE_CHARS,
    MAX_SHAPES,
    JSONSchema,
    TaskType,
    label_schema,
    number_schema,
    object_schema,
    payload_schema,
    text_schema,
)
from marketplace.validation import FieldError, format_number, join_path

#: ``{"text", "context"?}``: the text to judge, and optional surrounding text shown for reference only.
TEXT_PAYLOAD_SCHEMA: JSONSchema = payload_schema(
    {
        "text": text_schema("The text to annotate."),
        "context": text_schema(
            "Surrounding text shown to the annotator for reference; not annotated.", min_length=0
        ),
    },
    ["text"],
    title="Text item",
)


#: Longest piece of the text quoted back in an error message.
_QUOTE_CHARS = 60


def _text(payload: Mapping[str, Any]) -> str | None:
    text = payload.get("text")
    return text if isinstance(text, str) else None


class ClassificationType(TaskType):
    """One label per text: sentiment, topic, intent, toxicity..."""

    name: ClassVar[str] = "classification"
    title = lazy_gettext("Text classification")
    description = lazy_gettext("Choose the one label that best fits the text.")
    payload_schema: ClassVar[JSONSchema] = TEXT_PAYLOAD_SCHEMA
    example_labels: ClassVar[tuple[str, ...]] = ("positive", "neutral", "negative")
    example_payload: ClassVar[dict[str, Any]] = {"text": "The delivery was quick and the soup still hot."}
    example_answer: ClassVar[dict[str, Any]] = {"label": "positive"}

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        return object_schema(
            {"label": label_schema(labels)}, ["label"], title="Classification answer", root=True
        )

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        return _text(payload)


class MultiLabelClassificationType(TaskType):
    """Any number of labels per text (within the configured bounds): tags, content flags..."""

    name: ClassVar[str] = "multi_label_classification"
    title = lazy_gettext("Multi-label text classification")
    description = lazy_gettext("Choose every label that applies to the text.")
    config_schema: ClassVar[JSONSchema] = object_schema(
        {
            "min_labels": {
                "type": "integer",
                "minimum": 0,
                "default": 1,
                "description": "Fewest labels an answer may have; 0 allows 'none apply'. Default 1.",
            },
            "max_labels": {
                "type": ["integer", "null"],
                "minimum": 1,
                "default": None,
                "description": "Most labels an answer may have; null for no limit (the default).",
            },
        },
        title="Multi-label classification settings",
        root=True,
    )
    payload_schema: ClassVar[JSONSchema] = TEXT_PAYLOAD_SCHEMA
    example_labels: ClassVar[tuple[str, ...]] = ("billing", "shipping", "complaint")
    example_payload: ClassVar[dict[str, Any]] = {"text": "I was charged twice and the parcel never came."}
    example_answer: ClassVar[dict[str, Any]] = {"labels": ["billing", "shipping", "complaint"]}

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        chosen: JSONSchema = {
            "type": "array",
            "items": label_schema(labels),
            "uniqueItems": True,
            "minItems": int(config.get("min_labels", 1)),
        }
        if config.get("max_labels") is not None:
            chosen["maxItems"] = int(config["max_labels"])
        return object_schema({"labels": chosen}, ["labels"], title="Multi-label answer", root=True)

    def check_config(self, config: Mapping[str, Any], *, prefix: str = "task_config") -> list[FieldError]:
        low, high = config.get("min_labels", 1), config.get("max_labels")
        if high is not None and high < low:
            return [
                FieldError(
                    join_path(prefix, "max_labels"),
                    "minimum",
                    _("Must be at least the minimum number of labels (%(min)s).", min=format_number(low)),
                )
            ]
        return []

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        return _text(payload)


class NerType(TaskType):
    """Named-entity (span) labelling.

    Offsets count Unicode code points (what Python and JSON Schema count), ``end`` exclusive: the
    span is ``text[start:end]``. JavaScript clients must convert from UTF-16 indexes.
    """

    name: ClassVar[str] = "ner"
    title = lazy_gettext("Named entities (text spans)")
    description = lazy_gettext("Mark the parts of the text that name something, and label each one.")
    config_schema: ClassVar[JSONSchema] = object_schema(
        {
            "allow_overlap": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Whether spans may overlap (nested entities). Even then, spans with the same label "
                    "may not overlap. Default false."
                ),
            },
        },
        title="NER settings",
        root=True,
    )
    payload_schema: ClassVar[JSONSchema] = payload_schema(
        {"text": text_schema("The text to annotate.")}, ["text"], title="NER item"
    )
    example_labels: ClassVar[tuple[str, ...]] = ("PER", "LOC", "ORG")
    example_payload: ClassVar[dict[str, Any]] = {"text": "Ada Lovelace was born in London."}
    example_answer: ClassVar[dict[str, Any]] = {
        "spans": [
            {"start": 0, "end": 12, "label": "PER", "text": "Ada Lovelace"},
            {"start": 25, "end": 31, "label": "LOC"},
        ]
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        span = object_schema(
            {
                "start": {"type": "integer", "minimum": 0, "description": "First character (code point)."},
                "end": {"type": "integer", "minimum": 0, "description": "One past the last character."},
                "label": label_schema(labels),
                "text": {
                    "type": "string",
                    "description": "Optional copy of text[start:end]; checked when given.",
                },
            },
            ["start", "end", "label"],
        )
        spans = {"type": "array", "items": span, "maxItems": MAX_SHAPES}
        return object_schema({"spans": spans}, ["spans"], title="NER answer", root=True)

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        text = _text(payload)
        spans: list[Mapping[str, Any]] = list(answer.get("spans", []))
        found: list[tuple[int, FieldError]] = []  # (span index, error), to report in answer order
        sound: list[tuple[int, int, int, str]] = []  # (start, end, index, label) of spans that fit the text
        for i, span in enumerate(spans):
            path = join_path(prefix, "spans", i)
            start, end = int(span["start"]), int(span["end"])
            if end <= start:
                message = _("Must be greater than the start (%(start)s).", start=start)
                found.append((i, FieldError(join_path(path, "end"), "end_before_start", message)))
                continue
            if text is None:
                continue
            if end > len(text):
                # i18n: %(length)s is the number of characters in the item's text
                message = _("Must not be past the end of the text (%(length)s characters).", length=len(text))
                found.append((i, FieldError(join_path(path, "end"), "out_of_bounds", message)))
                continue
            quoted = span.get("text")
            if quoted is not None and quoted != text[start:end]:
                actual = text[start:end]
                if len(actual) > _QUOTE_CHARS:
                    actual = actual[:_QUOTE_CHARS] + "…"
                # i18n: %(actual)s is the part of the text the span's offsets point at
                message = _("Does not match the text between start and end (“%(actual)s”).", actual=actual)
                found.append((i, FieldError(join_path(path, "text"), "text_mismatch", message)))
            sound.append((start, end, i, str(span["label"])))
        found.extend(self._overlaps(sound, bool(config.get("allow_overlap", False)), prefix))
        found.sort(key=lambda pair: pair[0])
        return [error for _index, error in found]

    @staticmethod
    def _overlaps(
        spans: list[tuple[int, int, int, str]], allow_overlap: bool, prefix: str
    ) -> list[tuple[int, FieldError]]:
        """Overlapping spans, reported on the later-starting one; an O(n log n) sweep per group.

        Without ``allow_overlap`` all spans form one group; with it, each label is its own group:
        nesting different entity types is the point of the setting, the same type twice is a mistake.
        """
        groups: dict[str, list[tuple[int, int, int, str]]] = {}
        for span in spans:
            groups.setdefault(span[3] if allow_overlap else "", []).append(span)
        found: list[tuple[int, FieldError]] = []
        for group in groups.values():
            group.sort()
            reach_end, reach_index = -1, -1  # furthest end so far, and which span reaches it
            for start, end, index, _label in group:
                if start < reach_end:
                    # i18n: %(number)s is the 1-based position of the other span in the answer
                    message = _("Overlaps span number %(number)s.", number=reach_index + 1)
                    found.append(
                        (
                            index,
                            FieldError(
                                join_path(prefix, "spans", index, "start"), "overlapping_spans", message
                            ),
                        )
                    )
                if end > reach_end:
                    reach_end, reach_index = end, index
        return found

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        return _text(payload)


class RatingType(TaskType):
    """A score on a numeric scale (quality, fluency, relevance...), with an optional comment."""

    name: ClassVar[str] = "rating"
    title = lazy_gettext("Rating")
    description = lazy_gettext("Rate the text on a scale.")
    needs_labels: ClassVar[bool] = False
    config_schema: ClassVar[JSONSchema] = object_schema(
        {
            "min": number_schema("Lowest rating. Default 1.", default=1),
            "max": number_schema("Highest rating; must be above min. Default 5.", default=5),
            "step": number_schema(
                "Ratings are min + a multiple of step (1 for whole stars, 0.5 for halves). Default 1.",
                exclusiveMinimum=0,
                default=1,
            ),
        },
        title="Rating settings",
        root=True,
    )
    payload_schema: ClassVar[JSONSchema] = TEXT_PAYLOAD_SCHEMA
    example_payload: ClassVar[dict[str, Any]] = {
        "text": "Paris is the capital of France.",
        "context": "Question: What is the capital of France?",
    }
    example_answer: ClassVar[dict[str, Any]] = {"rating": 5, "comment": "Correct and concise."}

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        return object_schema(
            {
                "rating": number_schema(
                    "The rating, on the project's scale.",
                    minimum=config.get("min", 1),
                    maximum=config.get("max", 5),
                ),
                "comment": text_schema(
                    "Optional note for reviewers.", min_length=0, max_length=MAX_NOTE_CHARS
                ),
            },
            ["rating"],
            title="Rating answer",
            root=True,
        )

    def check_config(self, config: Mapping[str, Any], *, prefix: str = "task_config") -> list[FieldError]:
        low, high, step = config["min"], config["max"], config["step"]
        if high <= low:
            return [
                FieldError(
                    join_path(prefix, "max"),
                    "minimum",
                    _("Must be greater than the lowest rating (%(min)s).", min=format_number(low)),
                )
            ]
        if step > high - low:
            return [
                FieldError(
                    join_path(prefix, "step"),
                    "maximum",
                    _("Must be at most the width of the scale (%(width)s).", width=format_number(high - low)),
                )
            ]
        return []

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        low, step = float(config.get("min", 1)), float(config.get("step", 1))
        rating = float(answer["rating"])
        steps = (rating - low) / step
        if abs(steps - round(steps)) <= 1e-9 * max(1.0, abs(steps)):
            return []
        below = round(low + math.floor(steps) * step, 10)
        above = round(below + step, 10)
        if above > float(config.get("max", 5)):
            # i18n: the rating falls between the last allowed value and the top of the scale
            message = _(
                "Is not a step on the scale; the nearest allowed rating is %(below)s.",
                below=format_number(below),
            )
        else:
            # i18n: the rating is between two allowed values of the scale, e.g. 3.2 on a 1–5 scale
            message = _(
                "Is not a step on the scale; the nearest allowed ratings are %(below)s and %(above)s.",
                below=format_number(below),
                above=format_number(above),
            )
        return [FieldError(join_path(prefix, "rating"), "step", message)]

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        return _text(payload)
