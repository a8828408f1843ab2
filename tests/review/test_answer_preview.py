"""Answers drawn for people (templates/widgets/preview.html): what each task type's preview says,
so a reviewer comparing two annotators reads words and shapes, not JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template_string

IMAGE = {"image_url": "https://media.example.com/street.jpg", "width": 640, "height": 480}


def _preview(app: Flask, task_type: str, payload: dict[str, Any], answer: Any) -> str:
    item = {"language": "ar", "direction": "rtl", "payload": payload}
    with app.test_request_context("/?lang=en"):
        return render_template_string(
            '{% from "widgets/preview.html" import answer_preview with context %}'
            "{{ answer_preview(task_type, item, answer) }}",
            task_type=task_type,
            item=item,
            answer=answer,
        )


def test_choices_read_as_words(app: Flask) -> None:
    assert _preview(app, "classification", {"text": "x"}, {"label": "positive"}).strip() == (
        '<bdi class="label-name">positive</bdi>'
    )
    assert "Response B is better" in _preview(app, "pairwise_preference", {}, {"preference": "B"})
    assert _preview(app, "rating", {"text": "x"}, None).strip() == "—"


def test_spans_show_their_text_in_the_items_direction(app: Flask) -> None:
    text = "🌍 زار محمد القاهرة"
    start = text.index("محمد")
    html = _preview(
        app, "ner", {"text": text}, {"spans": [{"start": start, "end": start + 4, "label": "PER"}]}
    )
    assert '<bdi class="label-name">PER</bdi> <q lang="ar" dir="rtl">محمد</q>' in html


def test_shapes_are_drawn_over_the_image_with_their_labels_in_words(app: Flask) -> None:
    box = {"label": "car", "x": 230, "y": 316, "width": 232, "height": 106}
    html = _preview(app, "image_bounding_box", IMAGE, {"boxes": [box]})
    assert '<svg class="answer-preview" viewBox="0 0 640 480" role="img"' in html
    assert 'aria-label="1 car (x 230, y 316, 232 × 106 px)"' in html
    assert '<image href="https://media.example.com/street.jpg"' in html
    assert '<rect x="230" y="316" width="232" height="106"' in html and ">1 car</text>" in html

    polygon = {"label": "sign", "points": [[573, 170], [625, 170], [625, 305]]}
    html = _preview(app, "image_polygon", IMAGE, {"polygons": [polygon]})
    assert 'points="573,170 625,170 625,305 "' in html

    person = {"label": "person", "points": [{"name": "head", "x": 520, "y": 215, "visible": False}]}
    html = _preview(app, "image_keypoints", IMAGE, {"keypoints": [person]})
    assert 'class="preview-point preview-hidden"' in html


def test_transcripts_and_masks_are_summarised(app: Flask) -> None:
    turn = {"speaker": "agente", "start": 0.0, "end": 2.85, "text": "Buenos días"}
    html = _preview(
        app, "audio_transcription", {"audio_url": "https://m.example/a.wav"}, {"segments": [turn]}
    )
    assert '<bdi class="label-name">agente</bdi> <span dir="ltr">0.0–2.85 s</span>' in html
    mask = {"label": "car", "rle": {"size": [3, 4], "counts": [4, 5, 3]}}
    assert "5 px painted" in _preview(app, "segmentation_mask", IMAGE, {"masks": [mask]})
