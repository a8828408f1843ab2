"""Audio transcription: payload URLs, segment timing and speakers."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.tasktypes import validate_answer, validate_config, validate_payload
from tests.tasktypes.helpers import answer_errors, pairs

PAYLOAD: dict[str, Any] = {
    "audio_url": "https://cdn.example.com/a.mp3",
    "duration_seconds": 10,
    "mime_type": "audio/mpeg",
}


def seg(start: float, end: float, speaker: str = "s1", text: str = "words") -> dict[str, Any]:
    return {"speaker": speaker, "start": start, "end": end, "text": text}


def transcription(
    segments: list[dict[str, Any]], config: dict[str, Any] | None = None, payload: dict[str, Any] = PAYLOAD
) -> list[tuple[str, str]]:
    return answer_errors("audio_transcription", {"segments": segments}, payload, config=config)


@pytest.mark.parametrize(
    "url", ["https://cdn.example.com/a.mp3", "http://h/x.wav?sig=1", "s3://bucket/key/a.flac", "gs://b/o.ogg"]
)
def test_payload_urls_accepted(url: str) -> None:
    assert validate_payload("audio_transcription", {"audio_url": url}) == []


@pytest.mark.parametrize(
    "url", ["ftp://h/a.mp3", "/local/a.mp3", "https://", "https://h/a b.mp3", "file:///etc/x"]
)
def test_payload_urls_refused(url: str) -> None:
    assert pairs(validate_payload("audio_transcription", {"audio_url": url})) == [
        ("payload.audio_url", "pattern")
    ]


def test_payload_fields() -> None:
    assert validate_payload("audio_transcription", {**PAYLOAD, "mime_type": "audio/ogg; codecs=opus"}) == []
    assert pairs(validate_payload("audio_transcription", {**PAYLOAD, "duration_seconds": 0})) == [
        ("payload.duration_seconds", "minimum")
    ]
    assert pairs(validate_payload("audio_transcription", {**PAYLOAD, "mime_type": "text/plain"})) == [
        ("payload.mime_type", "pattern")
    ]
    assert pairs(validate_payload("audio_transcription", {"duration_seconds": 3})) == [
        ("payload.audio_url", "required")
    ]


def test_valid_transcriptions() -> None:
    assert transcription([seg(0, 2.5), seg(2.5, 4, "s2"), seg(3, 9.9, "s1")]) == []
    assert transcription([seg(0, 4), seg(1, 3, "s2")]) == []  # different speakers may talk over each other
    assert transcription([seg(0, 1000)], payload={"audio_url": "s3://b/k"}) == []  # unknown duration


def test_segments_required() -> None:
    assert transcription([]) == [("answer.segments", "too_few_items")]
    assert pairs(validate_answer("audio_transcription", {}, PAYLOAD, [], {})) == [
        ("answer.segments", "required")
    ]
    assert transcription([{"start": 0, "end": 1, "text": "x"}]) == [
        ("answer.segments[0].speaker", "required")
    ]
    assert transcription([seg(0, 1, text="")]) == [("answer.segments[0].text", "too_short")]
    assert transcription([seg(-1, 1)]) == [("answer.segments[0].start", "minimum")]


def test_end_must_follow_start() -> None:
    assert transcription([seg(2, 2)]) == [("answer.segments[0].end", "end_before_start")]
    assert transcription([seg(3, 1)]) == [("answer.segments[0].end", "end_before_start")]


def test_within_duration() -> None:
    assert transcription([seg(8, 10.5)]) == [("answer.segments[0].end", "out_of_bounds")]
    [error] = validate_answer("audio_transcription", {"segments": [seg(8, 10.5)]}, PAYLOAD, [], {})
    assert error.message == "Must not be after the end of the recording (10 s)."


def test_segments_in_order() -> None:
    assert transcription([seg(5, 6), seg(1, 2, "s2")]) == [("answer.segments[1].start", "not_ordered")]


def test_same_speaker_may_not_overlap() -> None:
    assert transcription([seg(0, 4), seg(3, 5)]) == [("answer.segments[1].start", "overlapping_segments")]
    [error] = validate_answer("audio_transcription", {"segments": [seg(0, 4), seg(3, 5)]}, PAYLOAD, [], {})
    assert error.message == "Overlaps segment number 1 of the same speaker."


def test_speakers_from_config() -> None:
    config = {"speakers": ["agent", "caller"]}
    assert transcription([seg(0, 1, "agent"), seg(1, 2, "caller")], config) == []
    assert transcription([seg(0, 1, "boss")], config) == [("answer.segments[0].speaker", "enum")]


def test_max_speakers() -> None:
    segments = [seg(i, i + 1, f"s{i}") for i in range(3)]
    assert transcription(segments, {"max_speakers": 3}) == []
    assert transcription(segments, {"max_speakers": 2}) == [("answer.segments", "too_many_speakers")]


def test_config_rules() -> None:
    _, errors = validate_config("audio_transcription", {"speakers": ["a", "b", "c"], "max_speakers": 2})
    assert pairs(errors) == [("task_config.speakers", "too_many_items")]
    _, errors = validate_config("audio_transcription", {"speakers": ["a", "a"]})
    assert pairs(errors) == [("task_config.speakers", "not_unique")]
    _, errors = validate_config("audio_transcription", {"speakers": []})
    assert pairs(errors) == [("task_config.speakers", "too_few_items")]
