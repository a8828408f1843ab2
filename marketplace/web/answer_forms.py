"""Reading an answer out of a posted HTML form, shared by the work page and the exam page.

Both pages show the same widgets (``templates/widgets/``), so they must read what those widgets
post in the same way. Only the shape is read here; whether the answer fits the item (labels,
offsets, coordinates, the scale) is for ``validate_answer`` in the services, so pages and API
refuse the same answers with the same messages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from marketplace.validation import FieldError, format_number

#: Task types whose widget keeps one JSON answer field up to date (the field is also the widget
#: of a browser without JavaScript), with the partial template that draws it.
JSON_WIDGETS: dict[str, str] = {
    "audio_transcription": "widgets/audio.html",
    "image_bounding_box": "widgets/image.html",
    "image_polygon": "widgets/image.html",
    "image_keypoints": "widgets/image.html",
    "segmentation_mask": "widgets/mask.html",
}

#: A rating scale with more steps than this is typed as a number instead of offered as radio buttons.
MAX_RATING_CHOICES = 21
#: Labels reachable from the number keys 1-9; longer label lists are clicked.
SHORTCUT_KEYS = 9


def _number_text(value: float) -> str:
    """A scale value as the form posts it: ``3`` rather than ``3.0``, ``2.5`` as it is."""
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 10))


def rating_choices(config: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(value, shortcut key) for every step of the rating scale; [] when it has too many steps to
    offer as buttons (the page then asks for a number).

    A scale of whole numbers within 0-9 gets the value itself as its key (press 4 for a 4); any
    other scale numbers its first nine steps 1-9 from the bottom.
    """
    low, high, step = float(config["min"]), float(config["max"]), float(config["step"])
    count = math.floor((high - low) / step + 1e-9) + 1
    if count > MAX_RATING_CHOICES:
        return []
    values = [round(low + k * step, 10) for k in range(count)]
    own_keys = all(v.is_integer() and 0 <= v <= 9 for v in values)
    choices: list[tuple[str, str | None]] = []
    for position, value in enumerate(values, start=1):
        if own_keys:
            key: str | None = _number_text(value)
        else:
            key = str(position) if position <= SHORTCUT_KEYS else None
        choices.append((_number_text(value), key))
    return choices


def rating_scale(config: Mapping[str, Any]) -> tuple[str, str]:
    """The scale's ends as the legend writes them."""
    return format_number(config["min"]), format_number(config["max"])


def _parse_number(raw: str) -> int | float | None:
    """A posted rating as JSON would carry it (an int when whole), or None if it is no number."""
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _parse_spans(text: str, field: str) -> dict[str, Any] | FieldError:
    """NER spans from the widget's textarea (not blank)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        message = _("The entities could not be read: write them as JSON, as in the example.")
        return FieldError(field, "invalid_json", message)
    # A bare list of spans is accepted too: it is what one would naturally type.
    return {str(k): v for k, v in parsed.items()} if isinstance(parsed, dict) else {"spans": parsed}


def _parse_json_answer(text: str, field: str) -> dict[str, Any] | FieldError:
    """A drawing or transcription widget's answer (not blank): one JSON object."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return FieldError(
            field, "invalid_json", _("The answer could not be read: it must be JSON, as in the example.")
        )
    if not isinstance(parsed, dict):
        return FieldError(field, "type", _("The answer must be a JSON object, as in the example."))
    return {str(k): v for k, v in parsed.items()}


def answer_from_fields(
    task_type: str,
    get: Callable[[str], str | None],
    getlist: Callable[[str], list[str]],
    name: str,
) -> dict[str, Any] | FieldError | None:
    """The answer posted under the field ``name`` by a widget partial, None when left blank.

    Used where one form holds several questions (the exam): each question's widget posts under
    its own name, whatever the task type.
    """
    if task_type == "classification":
        label = get(name)
        return {"label": label} if label else None
    if task_type == "multi_label_classification":
        labels = getlist(name)
        return {"labels": labels} if labels else None
    if task_type == "pairwise_preference":
        choice = get(name)
        return {"preference": choice} if choice else None
    if task_type == "rating":
        raw = (get(name) or "").strip()
        if not raw:
            return None
        number = _parse_number(raw)
        if number is None:
            return FieldError(name, "type", _("The rating must be a number."))
        return {"rating": number}
    raw = (get(name) or "").strip()
    if not raw:
        return None
    if task_type == "ner":
        return _parse_spans(raw, name)
    return _parse_json_answer(raw, name)


def widget_values(task_type: str, answer: Mapping[str, Any] | None) -> tuple[list[str] | str | None, str]:
    """(what the choice widgets mark as chosen, the JSON widgets' text) for an answer given before.

    Lets a page show a saved answer in the same widget that made it (an exam answered earlier).
    """
    if task_type == "classification":
        return ([str(answer["label"])] if answer and "label" in answer else []), ""
    if task_type == "multi_label_classification":
        return ([str(x) for x in answer.get("labels", [])] if answer else []), ""
    if task_type == "pairwise_preference":
        return (str(answer["preference"]) if answer and "preference" in answer else None), ""
    if task_type == "rating":
        rating = answer.get("rating") if answer else None
        return (_number_text(rating) if isinstance(rating, int | float) else None), ""
    if answer is None:
        return None, '{"spans": []}' if task_type == "ner" else ""
    return None, json.dumps(answer, ensure_ascii=False)


def posted_widget_values(
    task_type: str,
    get: Callable[[str], str | None],
    getlist: Callable[[str], list[str]],
    name: str,
) -> tuple[list[str] | str | None, str]:
    """The same pair from what was just posted: a refused form is shown again as it was sent."""
    if task_type in {"classification", "multi_label_classification"}:
        return getlist(name), ""
    if task_type in {"pairwise_preference", "rating"}:
        return get(name), ""
    return None, get(name) or ""
