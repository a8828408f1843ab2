"""The audio transcription widget used as a browser without JavaScript would: the player and the
JSON textarea are on the page, a good transcript is stored, a bad one comes back with the message
and the posted text kept."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.routing.test_api import login_as
from tests.routing.test_pages import _page
from tests.routing.test_widgets import _post, _stored, make_typed_project

AUDIO = {
    "audio_url": "https://media.example.com/calls/llamada.ogg",
    "duration_seconds": 6.78,
    "mime_type": "audio/ogg",
}
SEGMENTS = [
    {"speaker": "Agente", "start": 0, "end": 2.85, "text": "Buenos días, ¿en qué puedo ayudarle?"},
    {
        "speaker": "Cliente",
        "start": 3.45,
        "end": 6.78,
        "text": "Hola, me han rechazado la tarjeta dos veces.",
    },
]


def test_audio_page_has_a_player_and_a_json_fallback_and_stores_the_transcript(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(app, organisation, run_jobs, "audio_transcription", [("es", AUDIO)])
    login_as(client, annotator("es"), app)

    html, path, token = _page(client, "/work?lang=en")
    # The player plays without JavaScript, with the declared media type.
    assert re.search(r'<audio controls preload="metadata" id="answer-audio-player"', html)
    assert '<source src="https://media.example.com/calls/llamada.ogg" type="audio/ogg">' in html
    # The fallback: a labelled textarea with an example; the tools wait for the script, hidden.
    assert re.search(
        r'<div class="field" data-widget-fallback>\s*<label for="answer">Transcript, as JSON</label>', html
    )
    assert re.search(r'<textarea name="answer" id="answer"[^>]*data-widget-answer', html)
    assert 'Example: <code dir="ltr">{"segments": [{"speaker": "Speaker 1", "start": 0,' in html
    assert '<div class="audio-tools" hidden data-audio-tools>' in html
    # The transcript is typed in the item's language; names are free (a datalist, no select).
    assert '<textarea rows="2" lang="es" dir="ltr" data-turn-text>' in html
    assert 'list="answer-audio-speakers"' in html and "<select data-turn-speaker>" not in html
    assert 'data-speaker-pattern="Speaker {n}"' in html and 'data-duration="6.78"' in html
    assert "At most 10 speakers." in html
    assert 'src="/static/js/widgets/audio.js"' in html and 'href="/static/widgets/audio.css"' in html
    # A web URL can be played: the failure notice is only shown by the script if loading fails.
    assert re.search(r'<p class="notice notice-warn" role="alert" data-audio-failed hidden>', html)

    response = _post(client, path, token, {"answer": json.dumps({"segments": SEGMENTS})})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(app, path).answer == {"segments": SEGMENTS}


def test_audio_bad_transcripts_come_back_with_the_message_and_the_typed_json(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(app, organisation, run_jobs, "audio_transcription", [("es", AUDIO)])
    login_as(client, annotator("es"), app)
    _html, path, token = _page(client, "/work?lang=en")

    response = _post(client, path, token, {"answer": '{"segments": [oops', "comment": "kept"})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "The answer could not be read" in html
    assert "{&#34;segments&#34;: [oops</textarea>" in html and "kept</textarea>" in html

    # Past the end of the recording: refused, said why, and the JSON kept as posted.
    late = [{**SEGMENTS[0], "end": 9.5}]
    response = _post(client, path, token, {"answer": json.dumps({"segments": late})})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "Must not be after the end of the recording (6.78 s)." in html
    assert "&#34;end&#34;: 9.5" in html
    assert 'class="label-choices audio-widget has-error"' in html and 'id="answer-errors"' in html

    # Out of order, and nothing at all, are refused too.
    response = _post(client, path, token, {"answer": json.dumps({"segments": SEGMENTS[::-1]})})
    assert response.status_code in (400, 422)
    assert "Segments must be in order of start time" in response.get_data(as_text=True)
    response = _post(client, path, token, {"answer": ""})
    assert response.status_code in (400, 422)
    assert "Give an answer before submitting." in response.get_data(as_text=True)
    assert _stored(app, path).answer is None


def test_audio_with_named_speakers_offers_a_select_and_refuses_others(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "audio_transcription", [("es", AUDIO)],
        task_config={"speakers": ["Agente", "Cliente"], "max_speakers": 2},
    )  # fmt: skip
    login_as(client, annotator("es"), app)
    html, path, token = _page(client, "/work?lang=en")
    assert re.search(
        r'<select data-turn-speaker><option value="Agente">Agente</option><option value="Cliente">Cliente</option></select>',
        html,
    )
    assert "data-audio-speakers" not in html and '{"segments": [{"speaker": "Agente",' in html

    other = [{**SEGMENTS[0], "speaker": "Supervisor"}]
    response = _post(client, path, token, {"answer": json.dumps({"segments": other})})
    assert response.status_code in (400, 422)
    assert "Your answer was not saved" in response.get_data(as_text=True)
    response = _post(client, path, token, {"answer": json.dumps({"segments": SEGMENTS})})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"segments": SEGMENTS}


def test_audio_in_an_object_store_says_it_cannot_be_played_here(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "audio_transcription", [("ar", {"audio_url": "s3://bucket/calls/7.wav"})]
    )
    login_as(client, annotator("ar"), app)
    html, _path, _token = _page(client, "/work?lang=en")
    assert "<audio" not in html
    assert re.search(
        r'<p class="notice notice-warn" role="alert" data-audio-failed>\s*The recording cannot be played here: '
        r'<code dir="ltr" class="audio-url">s3://bucket/calls/7.wav</code>\.',
        html,
    )
    # Arabic is typed right to left; no duration known, so the script takes it from the player.
    assert '<textarea rows="2" lang="ar" dir="rtl" data-turn-text>' in html
    assert 'data-duration=""' in html
