"""The image widget (boxes, polygons, keypoints) as a browser without JavaScript uses it: the image is
shown with a JSON textarea and an example, a good answer is stored, a bad one comes back with its
message and the posted text kept."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.routing.test_api import login_as
from tests.routing.test_pages import _page
from tests.routing.test_widgets import _post, _stored, make_typed_project

IMAGE = {"image_url": "https://media.example.com/street/0007.jpg", "width": 640, "height": 480}


def test_boxes_page_shows_the_image_and_a_json_fallback_and_stores_boxes(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "image_bounding_box", [("en", IMAGE)], labels=["car", "person", "sign"]
    )
    login_as(client, annotator("en"), app)

    html, path, token = _page(client)
    assert 'data-widget="image"' in html and 'data-kind="boxes"' in html
    assert 'data-width="640" data-height="480"' in html
    assert '<img src="https://media.example.com/street/0007.jpg"' in html
    assert 'viewBox="0 0 640 480"' in html
    # The fallback: a labelled textarea with an example of the JSON, outside the hidden tools.
    assert re.search(
        r'<div class="field" data-widget-fallback>\s*<label for="answer">Answer, as JSON</label>', html
    )
    assert re.search(r'<textarea name="answer" id="answer"[^>]*data-widget-answer>', html)
    assert (
        'Example: {"boxes": [{"label": "car", "x": 12, "y": 200.5, "width": 180, "height": 95.5}]}.' in html
    )
    assert re.search(r'<div class="image-tools" hidden data-image-tools>', html)
    # Labels as buttons with digit shortcuts, the first one chosen.
    assert re.search(r'data-image-label="car"\s+aria-pressed="true"', html)
    assert re.search(r'data-image-label="sign"\s+aria-pressed="false"[^>]*data-shortcut="3"', html)
    assert 'src="/static/js/widgets/image.js"' in html and 'href="/static/widgets/image.css"' in html

    boxes = [
        {"label": "car", "x": 230, "y": 316, "width": 232, "height": 106.5},
        {"label": "sign", "x": 573.2, "y": 170, "width": 52, "height": 135},
    ]
    response = _post(client, path, token, {"answer": json.dumps({"boxes": boxes})})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(app, path).answer == {"boxes": boxes}


def test_boxes_refused_come_back_with_the_message_and_the_posted_text(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(app, organisation, run_jobs, "image_bounding_box", [("en", IMAGE)], labels=["car"])
    login_as(client, annotator("en"), app)
    _html, path, token = _page(client)

    response = _post(client, path, token, {"answer": '{"boxes": [', "comment": "kept"})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "The answer could not be read" in html
    assert "{&#34;boxes&#34;: [</textarea>" in html and "kept</textarea>" in html

    # Past the right edge of the 640-pixel image.
    wide = json.dumps({"boxes": [{"label": "car", "x": 600, "y": 10, "width": 80, "height": 20}]})
    response = _post(client, path, token, {"answer": wide})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "Is outside the image (width 640 px)." in html
    assert "&#34;width&#34;: 80" in html
    assert 'id="answer-errors"' in html
    assert _stored(app, path).answer is None

    # Nothing to mark is an answer too.
    response = _post(client, path, token, {"answer": '{"boxes": []}'})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"boxes": []}


def test_polygons_are_stored_and_flat_ones_refused(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(app, organisation, run_jobs, "image_polygon", [("en", IMAGE)], labels=["person"])
    login_as(client, annotator("en"), app)
    html, path, token = _page(client)
    assert 'data-kind="polygons"' in html and "Outline each object with a polygon" in html

    flat = {"polygons": [{"label": "person", "points": [[0, 0], [10, 10], [20, 20]]}]}
    response = _post(client, path, token, {"answer": json.dumps(flat)})
    assert response.status_code in (400, 422)
    assert "The points must enclose an area." in response.get_data(as_text=True)

    good = {"polygons": [{"label": "person", "points": [[504, 199], [536, 199], [536, 325], [504.5, 325]]}]}
    response = _post(client, path, token, {"answer": json.dumps(good)})
    assert response.status_code == 303
    assert _stored(app, path).answer == good


def test_keypoints_offer_the_names_and_refuse_a_name_twice(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app,
        organisation,
        run_jobs,
        "image_keypoints",
        [("en", IMAGE)],
        labels=["person"],
        task_config={"keypoint_names": ["head", "left_foot", "right_foot"]},
    )
    login_as(client, annotator("en"), app)
    html, path, token = _page(client)
    assert 'data-kind="keypoints"' in html
    assert 'data-keypoint-names=\'["head", "left_foot", "right_foot"]\'' in html
    assert "Skip this point" in html and "Start a new object" in html
    assert '{"name": "head", "x": 320' in html  # the example uses the project's own names

    twice = {
        "keypoints": [
            {
                "label": "person",
                "points": [{"name": "head", "x": 1, "y": 2}, {"name": "head", "x": 3, "y": 4}],
            }
        ]
    }
    response = _post(client, path, token, {"answer": json.dumps(twice)})
    assert response.status_code in (400, 422)
    assert "Each keypoint name may appear only once per object." in response.get_data(as_text=True)

    good: dict[str, Any] = {
        "keypoints": [
            {
                "label": "person",
                "points": [
                    {"name": "head", "x": 520, "y": 215},
                    {"name": "right_foot", "x": 530.5, "y": 322, "visible": False},
                ],
            }
        ]
    }
    response = _post(client, path, token, {"answer": json.dumps(good)})
    assert response.status_code == 303
    assert _stored(app, path).answer == good


def test_an_image_the_browser_cannot_load_is_announced_with_its_url(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    payload = {"image_url": "s3://bucket/street/0007.jpg", "width": 640, "height": 480}
    make_typed_project(app, organisation, run_jobs, "image_bounding_box", [("en", payload)], labels=["car"])
    login_as(client, annotator("en"), app)
    html, _path, _token = _page(client)
    assert re.search(
        r'<p class="notice notice-warn" role="alert" data-image-failed>\s*'
        r"The image cannot be shown \(s3://bucket/street/0007.jpg\)",
        html,
    )
    assert re.search(r'class="image-stage" dir="ltr" data-image-stage hidden', html)
