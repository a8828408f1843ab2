"""Audio transcription: timed, speaker-attributed segments of text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from flask_babel import gettext as _  # type: ignore[import-untyped, unused-ignore]
from flask_babel import (  # type: ignore[import-untyped, unused-ignore]
    lazy_gettext,
    ngettext,
)

from marketplace.tasktypes.base import (
    MAX_SHAPES,
    JSONSchema,
    TaskType,
    media_url_schema,
    number_schema,
    object_schema,
    payload_schema,
    text_schema,
)
from marketplace.validation import FieldError, format_number, join_path

#: Tolerance for comparing times, so 12.300000000000001 s still counts as 12.3 s.
_EPSILON = 1e-6

_SPEAKER_NAME: JSONSchema = {"type": "string", "minLength": 1, "maxLength": 100}


class AudioTranscriptionType(TaskType):
    """Transcribe a recording as segments ``{speaker, start, end, text}`` in seconds.

    Segments are listed in order of start time; one speaker's segments may not overlap (two people
    talking over each other is fine). The language is declared by the client, never detected: there
    is no text to read before the work is done.
    """

    name: ClassVar[str] = "audio_transcription"
    title = lazy_gettext("Audio transcription")
    description = lazy_gettext("Write down what is said in the recording, segment by segment, with speakers.")
    needs_labels: ClassVar[bool] = False
    config_schema: ClassVar[JSONSchema] = object_schema(
        {
            "speakers": {
                "type": ["array", "null"],
                "items": _SPEAKER_NAME,
                "minItems": 1,
                "uniqueItems": True,
                "default": None,
                "description": "Speaker names to choose from; null (the default) lets annotators name them.",
            },
            "max_speakers": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100,
                "default": 10,
                "description": "Most distinct speakers in one transcript. Default 10.",
            },
        },
        title="Audio transcription settings",
        root=True,
    )
    payload_schema: ClassVar[JSONSchema] = payload_schema(
        {
            "audio_url": media_url_schema("Where the recording is: http(s)://, s3:// or gs:// URL."),
            "duration_seconds": number_schema("Length of the recording, if known.", exclusiveMinimum=0),
            "mime_type": {
                "type": "string",
                "maxLength": 100,
                "pattern": r"^(?:audio|video)/[A-Za-z0-9][A-Za-z0-9.+-]*(?:\s*;.*)?$",
                "description": "Media type such as audio/mpeg or audio/ogg; codecs=opus.",
            },
        },
        ["audio_url"],
        title="Audio item",
    )
    example_payload: ClassVar[dict[str, Any]] = {
        "audio_url": "https://media.example.com/calls/0042.mp3",
        "duration_seconds": 9.5,
        "mime_type": "audio/mpeg",
    }
    example_answer: ClassVar[dict[str, Any]] = {
        "segments": [
            {"speaker": "agent", "start": 0.0, "end": 3.2, "text": "Good morning, how can I help?"},
            {"speaker": "caller", "start": 3.0, "end": 9.1, "text": "Hi, my card was declined."},
        ]
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        speakers = config.get("speakers")
        speaker: JSONSchema = {**_SPEAKER_NAME, "enum": list(speakers)} if speakers else dict(_SPEAKER_NAME)
        segment = object_schema(
            {
                "speaker": speaker,
                "start": number_schema("Start, in seconds from the beginning.", minimum=0),
                "end": number_schema("End, in seconds; after start.", minimum=0),
                "text": text_schema("What is said."),
            },
            ["speaker", "start", "end", "text"],
        )
        segments = {"type": "array", "items": segment, "minItems": 1, "maxItems": MAX_SHAPES}
        return object_schema({"segments": segments}, ["segments"], title="Transcription answer", root=True)

    def check_config(self, config: Mapping[str, Any], *, prefix: str = "task_config") -> list[FieldError]:
        speakers, most = config.get("speakers"), config.get("max_speakers", 10)
        if speakers is not None and len(speakers) > most:
            return [
                FieldError(
                    join_path(prefix, "speakers"),
                    "too_many_items",
                    ngettext(
                        "Must have at most %(num)d speaker (max_speakers).",
                        "Must have at most %(num)d speakers (max_speakers).",
                        most,
                    ),
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
        duration = payload.get("duration_seconds")
        segments: list[Mapping[str, Any]] = list(answer.get("segments", []))
        errors: list[FieldError] = []
        last_start = 0.0
        last_end_by_speaker: dict[str, tuple[float, int]] = {}
        for i, segment in enumerate(segments):
            path = join_path(prefix, "segments", i)
            start, end, speaker = float(segment["start"]), float(segment["end"]), str(segment["speaker"])
            if start < last_start - _EPSILON:
                errors.append(
                    FieldError(
                        join_path(path, "start"),
                        "not_ordered",
                        _("Segments must be in order of start time; this one starts before the one above."),
                    )
                )
            last_start = max(last_start, start)
            if end <= start + _EPSILON:
                errors.append(
                    FieldError(
                        join_path(path, "end"),
                        "end_before_start",
                        _("Must be greater than the start (%(start)s).", start=format_number(start)),
                    )
                )
                continue
            if isinstance(duration, int | float) and end > duration + _EPSILON:
                errors.append(
                    FieldError(
                        join_path(path, "end"),
                        "out_of_bounds",
                        # i18n: %(duration)s is the recording's length in seconds
                        _(
                            "Must not be after the end of the recording (%(duration)s s).",
                            duration=format_number(duration),
                        ),
                    )
                )
            previous = last_end_by_speaker.get(speaker)
            if previous is not None and start < previous[0] - _EPSILON:
                errors.append(
                    FieldError(
                        join_path(path, "start"),
                        "overlapping_segments",
                        # i18n: %(number)s is the 1-based position of the other segment in the transcript
                        _("Overlaps segment number %(number)s of the same speaker.", number=previous[1] + 1),
                    )
                )
            if previous is None or end > previous[0]:
                last_end_by_speaker[speaker] = (end, i)
        most = int(config.get("max_speakers", 10))
        distinct = {str(s["speaker"]) for s in segments}
        if len(distinct) > most:
            errors.append(
                FieldError(
                    join_path(prefix, "segments"),
                    "too_many_speakers",
                    ngettext(
                        "Has %(count)s speakers; at most %(num)d is allowed.",
                        "Has %(count)s speakers; at most %(num)d are allowed.",
                        most,
                        count=len(distinct),
                    ),
                )
            )
        return errors
