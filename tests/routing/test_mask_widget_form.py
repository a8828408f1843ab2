"""The segmentation-mask widget as a browser without JavaScript uses it: the page shows the image,
the painting tools (hidden until the script shows them) and a JSON textarea with an example; a
posted run-length answer is stored, and a refused one comes back with its message and the text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.routing.test_api import login_as
from tests.routing.test_pages import _page
from tests.routing.test_widgets import _post, _stored, make_typed_project

IMAGE = {"image_url": "https://media.example.com/tiles/0001.png", "width": 4, "height": 3}


def _mask_project(app: Flask, organisation: int, run_jobs: Callable[[], int]) -> None:
    make_typed_project(
        app, organisation, run_jobs, "segmentation_mask", [("en", IMAGE)], labels=["car", "person"]
    )


def test_mask_page_shows_the_image_the_hidden_tools_and_a_json_fallback(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    _mask_project(app, organisation, run_jobs)
    login_as(client, annotator("en"), app)

    html, path, token = _page(client)
    assert 'data-widget="mask"' in html and 'data-width="4" data-height="3"' in html
    assert 'src="/static/js/widgets/mask.js"' in html and 'href="/static/widgets/mask.css"' in html
    # Without JavaScript: the image, a labelled textarea with an example of the shape and the size.
    assert 'src="https://media.example.com/tiles/0001.png"' in html
    assert re.search(
        r'<label for="answer">Masks, as JSON</label>\s*<textarea name="answer" id="answer"', html
    )
    assert 'Example: {"masks": [{"label": "car", "rle": {"size": [3, 4]' in html
    assert "so its size is [3, 4]" in html
    # The tools wait hidden for the script; the painting surface has the image's own pixel size.
    assert re.search(r'class="mask-tools" hidden data-mask-tools', html)
    assert re.search(r'<canvas width="4" height="3" hidden tabindex="0"', html)
    assert 'dir="ltr" style="--mask-ratio: 4 / 3"' in html
    # Label buttons carry digit shortcuts and a pressed state; tools are labelled.
    assert re.search(r'aria-pressed="true"\s+data-mask-label="car"', html)
    assert re.search(r'data-mask-label="person".*?data-shortcut="2"', html, re.S)
    assert '<label for="answer-mask-size">Brush size' in html
    assert '<label for="answer-mask-opacity">Overlay opacity</label>' in html
    assert "A pixel belongs to one label only" in html
    assert "0 px painted" in html

    counts = [4, 5, 3]  # column-major: column 0 and the top pixel of column 1 are background
    answer = {"masks": [{"label": "car", "rle": {"size": [3, 4], "counts": counts}}]}
    response = _post(client, path, token, {"answer": json.dumps(answer)})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(app, path).answer == answer


def test_mask_bad_answers_come_back_with_the_message_and_the_posted_text(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    _mask_project(app, organisation, run_jobs)
    login_as(client, annotator("en"), app)
    _html, path, token = _page(client)

    response = _post(client, path, token, {"answer": "{not json", "comment": "kept"})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "The answer could not be read" in html
    assert "{not json</textarea>" in html and "kept</textarea>" in html

    # Runs that do not cover the image: refused, with the count, and the text kept as posted.
    short = {"masks": [{"label": "car", "rle": {"size": [3, 4], "counts": [4, 5]}}]}
    response = _post(client, path, token, {"answer": json.dumps(short)})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "The runs cover 9 pixels but the mask has 12" in html
    assert "&#34;counts&#34;: [4, 5]}}]}</textarea>" in html

    # The size of another image, and a label not in the ontology.
    wrong_size = {"masks": [{"label": "car", "rle": {"size": [4, 3], "counts": [12]}}]}
    response = _post(client, path, token, {"answer": json.dumps(wrong_size)})
    assert response.status_code in (400, 422)
    assert "Must be [3, 4], the image&#39;s height and width." in response.get_data(as_text=True)
    unknown = {"masks": [{"label": "tree", "rle": {"size": [3, 4], "counts": [12]}}]}
    response = _post(client, path, token, {"answer": json.dumps(unknown)})
    assert response.status_code in (400, 422)
    assert "Your answer was not saved" in response.get_data(as_text=True)

    # An empty field is no answer; an empty list of masks is one (nothing to segment).
    response = _post(client, path, token, {"answer": ""})
    assert response.status_code in (400, 422)
    assert "Give an answer before submitting." in response.get_data(as_text=True)
    assert _stored(app, path).answer is None
    response = _post(client, path, token, {"answer": '{"masks": []}'})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"masks": []}
