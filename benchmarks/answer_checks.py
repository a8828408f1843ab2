"""What checking one submitted answer costs, per task type, against the classification check.

Every answer posted by the work page, the exam, a review correction or the API goes through
``validate_answer`` (the JSON schema, then the type's own rules) inside the request, so a slow
check is a slow page. The drawing widgets send the largest answers: a few dozen boxes, polygons
of many corners (checked for self-crossing edges), masks as run-length codes of a whole image,
long transcripts.

Run: ``.venv/bin/python -m benchmarks.answer_checks [--repeat N] [--corners N ...]``

Sections (each prints figures and a ratio):

* ``answers`` — one realistic answer per task type, best of N runs, against the single-label
  classification check measured in the same run. Ratio: our time ÷ the classification time.
* ``polygons`` — the self-crossing test of one polygon with N corners (a circle: no crossing, so
  every pair of edges is tested) against the shoelace area of the same polygon (one pass).
  Ratio: crossing test ÷ area.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable
from typing import Any

from marketplace import create_app
from marketplace.tasktypes.image import _area, _crosses_itself
from marketplace.tasktypes.registry import validate_answer

LABELS = ["car", "person", "sign", "bike"]
IMAGE: dict[str, Any] = {"image_url": "https://media.example.com/street.jpg", "width": 640, "height": 480}
TEXT = "Ada Lovelace was born in London in 1815 and worked with Charles Babbage in Marylebone. " * 4


def best_time(function: Callable[[], Any], repeat: int) -> float:
    """Fastest wall time in seconds over ``repeat`` runs after one warm-up."""
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _circle(corners: int, radius: float = 200.0) -> list[list[float]]:
    return [
        [
            round(320 + radius * math.cos(2 * math.pi * k / corners), 1),
            round(240 + radius * math.sin(2 * math.pi * k / corners), 1),
        ]
        for k in range(corners)
    ]


def _mask(rng: random.Random) -> dict[str, Any]:
    """Two labels painted as bands of a few columns each (many runs, as a brush leaves them)."""
    height, width = IMAGE["height"], IMAGE["width"]
    masks = []
    for label, first_column in (("car", 200), ("person", 500)):
        counts, position = [], 0
        for column in range(first_column, first_column + 120):
            top = column * height + rng.randint(150, 250)
            length = rng.randint(40, 120)
            counts += [top - position, length]
            position = top + length
        counts.append(height * width - position)
        masks.append({"label": label, "rle": {"size": [height, width], "counts": counts}})
    return {"masks": masks}


def cases(rng: random.Random) -> list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(task type, payload, answer, config) for one realistic answer of each type."""
    boxes = [
        {
            "label": rng.choice(LABELS),
            "x": rng.uniform(0, 500),
            "y": rng.uniform(0, 380),
            "width": rng.uniform(5, 139),
            "height": rng.uniform(5, 99),
        }
        for _ in range(40)
    ]
    polygons = [{"label": rng.choice(LABELS), "points": _circle(60, rng.uniform(20, 200))} for _ in range(12)]
    keypoints = [
        {
            "label": "person",
            "points": [
                {"name": n, "x": rng.uniform(0, 640), "y": rng.uniform(0, 480)}
                for n in ("head", "left_foot", "right_foot")
            ],
        }
        for _ in range(10)
    ]
    spans = [{"start": k * 30, "end": k * 30 + 12, "label": "PER"} for k in range(10)]
    turns = [
        {
            "speaker": ("agent", "caller")[k % 2],
            "start": k * 2.0,
            "end": k * 2.0 + 1.9,
            "text": "Hola, ¿qué tal? " * 4,
        }
        for k in range(30)
    ]
    return [
        ("classification", {"text": "Great service."}, {"label": "car"}, {}),
        ("multi_label_classification", {"text": "Great service."}, {"labels": ["car", "sign"]}, {}),
        ("ner", {"text": TEXT}, {"spans": spans}, {}),
        (
            "pairwise_preference",
            {"prompt": "p", "response_a": "a", "response_b": "b"},
            {"preference": "A"},
            {},
        ),
        ("rating", {"text": "Great service."}, {"rating": 4}, {}),
        (
            "audio_transcription",
            {"audio_url": "https://media.example.com/a.mp3", "duration_seconds": 70.0},
            {"segments": turns},
            {},
        ),
        ("image_bounding_box", IMAGE, {"boxes": boxes}, {}),
        ("image_polygon", IMAGE, {"polygons": polygons}, {}),
        (
            "image_keypoints",
            IMAGE,
            {"keypoints": keypoints},
            {"keypoint_names": ["head", "left_foot", "right_foot"]},
        ),
        ("segmentation_mask", IMAGE, _mask(rng), {}),
    ]


def answers_section(args: argparse.Namespace) -> None:
    rng = random.Random(20261128)
    labels = [*LABELS, "PER"]
    print(f"validate_answer, best of {args.repeat} (ratio: time ÷ single-label classification)")
    print(f"  {'task type':<30}{'answer':>22}{'µs':>10}{'ratio':>9}")
    baseline = None
    for task_type, payload, answer, config in cases(rng):
        problems = validate_answer(task_type, answer, payload, labels, config)
        assert not problems, (task_type, problems[:3])
        seconds = best_time(lambda: validate_answer(task_type, answer, payload, labels, config), args.repeat)  # noqa: B023
        baseline = baseline or seconds
        size = (
            next(f"{len(v)} {k}" for k, v in answer.items())
            if task_type not in {"classification", "rating", "pairwise_preference"}
            else "1 value"
        )
        print(f"  {task_type:<30}{size:>22}{seconds * 1e6:>10.0f}{seconds / baseline:>9.1f}")


def polygons_section(args: argparse.Namespace) -> None:
    print(f"self-crossing test vs shoelace area, best of {args.repeat}")
    print(f"  {'corners':>8}{'crossing (ms)':>15}{'area (ms)':>12}{'ratio':>9}")
    for corners in args.corners:
        points = [(float(x), float(y)) for x, y in _circle(corners)]
        assert not _crosses_itself(points)
        crossing = best_time(lambda: _crosses_itself(points), args.repeat)  # noqa: B023
        area = best_time(lambda: _area(points), args.repeat)  # noqa: B023
        print(f"  {corners:>8,}{crossing * 1e3:>15.2f}{area * 1e3:>12.3f}{crossing / area:>9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", choices=["answers", "polygons"], action="append")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--corners", type=int, nargs="+", default=[60, 1_000, 10_000])
    args = parser.parse_args()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        for section in args.section or ["answers", "polygons"]:
            {"answers": answers_section, "polygons": polygons_section}[section](args)


if __name__ == "__main__":
    main()
