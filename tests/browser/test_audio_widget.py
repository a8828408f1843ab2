"""An annotator with an Arabic (right-to-left) interface transcribes a Spanish phone call in a real
browser: one turn made with the mouse, one with the keyboard shortcuts, a refused submit that
loses nothing, and the stored transcript checked in the database.

The player's position is set with ``page.evaluate`` rather than by waiting for real playback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.browser.helpers import sign_in
from tests.browser.test_widgets_journey import _answers
from tests.routing.test_widgets import make_typed_project

FIRST = "Buenos días, ¿en qué puedo ayudarle?"
SECOND = "Hola, me han rechazado la tarjeta dos veces."
PLAYER = "[data-widget=audio] [data-audio-player]"


def _seek(page: Any, seconds: float) -> None:
    page.evaluate(
        """(t) => new Promise((done) => {
          const audio = document.querySelector('[data-widget=audio] [data-audio-player]');
          audio.addEventListener('seeked', () => done(), {once: true});
          audio.currentTime = t;
        })""",
        seconds,
    )


def _turn(page: Any, n: int) -> dict[str, Any]:
    """The n-th turn of the list as shown: speaker, start, end, text and the clocks."""
    return page.evaluate(  # type: ignore[no-any-return]
        """(n) => {
          const row = document.querySelectorAll('[data-audio-list] > li')[n];
          const v = (sel) => row.querySelector(sel).value;
          return {speaker: v('[data-turn-speaker]'), start: v('[data-turn-start]'), end: v('[data-turn-end]'),
                  text: v('[data-turn-text]'), clock: row.querySelector('[data-turn-end-clock]').textContent};
        }""",
        n,
    )


def test_an_annotator_transcribes_a_call_with_the_mouse_and_the_keyboard(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    payload = {
        "audio_url": f"{live_server}/static/demo/llamada-es.wav",
        "duration_seconds": 6.78,
        "mime_type": "audio/wav",
    }
    project = make_typed_project(
        app, organisation, run_jobs, "audio_transcription", [("es", payload)], name="Llamadas"
    )
    make_user("lucia@example.org", native=("es", "ar"), ui_locale="ar")
    sign_in(page, "lucia@example.org", path="/login?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"

    page.goto("/work")
    widget = page.locator("[data-widget=audio]")
    assert widget.locator("[data-widget-fallback]").is_hidden()
    assert widget.locator("[data-audio-tools]").is_visible()
    page.wait_for_function(f"document.querySelector('{PLAYER}').readyState >= 1")
    assert page.evaluate(f"document.querySelector('{PLAYER}').duration") > 6.7
    assert widget.locator("[data-audio-failed]").is_hidden()
    pattern = widget.get_attribute("data-speaker-pattern")
    assert pattern and "{n}" in pattern

    # Mouse: a turn from the start; its end set from the player's position; the speaker named.
    _seek(page, 0)
    widget.locator("[data-audio-add]").click()
    first = widget.locator("[data-audio-list] > li").nth(0)
    assert _turn(page, 0) == {
        "speaker": pattern.replace("{n}", "1"),
        "start": "0",
        "end": "3",
        "text": "",
        "clock": "0:03.0",
    }
    # The new turn's text has the focus, in the item's language and direction.
    assert page.evaluate("document.activeElement.matches('[data-turn-text][lang=es][dir=ltr]')")
    _seek(page, 2.85)
    first.locator("[data-turn-end-now]").click()
    first.locator("[data-turn-speaker]").fill("Agente")
    # "Play this turn" plays from its start and stops at its end.
    first.locator("[data-turn-play]").click()
    page.wait_for_function(f"!document.querySelector('{PLAYER}').paused")
    page.wait_for_function(f"document.querySelector('{PLAYER}').paused", timeout=10_000)
    assert 2.8 <= page.evaluate(f"document.querySelector('{PLAYER}').currentTime") <= 3.1
    # An end before the start is pointed out on the spot, then corrected by typing.
    end = first.locator("[data-turn-end]")
    end.fill("0")
    end.press("Tab")
    assert end.get_attribute("aria-invalid") == "true"
    assert first.locator("[data-turn-problems] li").count() == 1
    end.fill("2.85")
    end.press("Tab")
    assert end.get_attribute("aria-invalid") is None and first.locator("[data-turn-problems]").is_hidden()
    first.locator("[data-turn-text]").click()
    page.keyboard.type(FIRST)

    # Keyboard, while typing: Alt+P plays and pauses, Alt+N adds a turn at the player's position,
    # Alt+[ and Alt+] move its start and end to the player's position.
    page.keyboard.press("Alt+P")
    page.wait_for_function(f"!document.querySelector('{PLAYER}').paused")
    page.keyboard.press("Alt+P")
    page.wait_for_function(f"document.querySelector('{PLAYER}').paused")
    _seek(page, 3.0)
    page.keyboard.press("Alt+N")
    assert page.evaluate("document.activeElement === document.querySelectorAll('[data-turn-text]')[1]")
    second = widget.locator("[data-audio-list] > li").nth(1)
    # The default speaker is somebody new, named from the translated pattern; typed over here.
    assert _turn(page, 1)["speaker"] == pattern.replace("{n}", "2")
    assert _turn(page, 1)["start"] == "3" and _turn(page, 1)["end"] == "6"
    _seek(page, 3.45)
    page.keyboard.press("Alt+BracketLeft")
    _seek(page, 6.78)
    page.keyboard.press("Alt+BracketRight")
    assert _turn(page, 1)["start"] == "3.45" and _turn(page, 1)["end"] == "6.78"
    assert _turn(page, 1)["clock"] == "0:06.8"
    second.locator("[data-turn-speaker]").fill("Cliente")
    # An empty turn says what it lacks once the focus has left it.
    first.locator("[data-turn-text]").focus()
    assert second.locator("[data-turn-problems] li").count() == 1

    # A turn added in between goes to its place in time, ending where the next one starts; the
    # timeline shows every turn with its speaker's name written on the bar.
    _seek(page, 1.0)
    widget.locator("[data-audio-add]").click()
    assert [_turn(page, n)["start"] for n in range(3)] == ["0", "1", "3.45"]
    assert _turn(page, 1)["end"] == "3.45" and _turn(page, 1)["speaker"] == "Cliente"
    assert widget.locator(".audio-segment").all_inner_texts() == ["Agente", "Cliente", "Cliente"]
    shoot(page, "01-three-turns-arabic-ui")
    widget.locator("[data-audio-list] > li").nth(1).locator("[data-turn-remove]").click()
    assert widget.locator("[data-audio-list] > li").count() == 2
    assert page.evaluate("document.activeElement === document.querySelectorAll('[data-turn-text]')[1]")

    # Submitted with the second text still empty: refused, and the turns come back as they were.
    with page.expect_navigation():
        page.locator("[data-submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert widget.locator("[data-audio-tools]").is_visible()
    assert widget.locator("[data-audio-list] > li").count() == 2
    assert _turn(page, 0)["text"] == FIRST and _turn(page, 1)["speaker"] == "Cliente"
    widget.locator("[data-audio-list] > li").nth(1).locator("[data-turn-text]").click()
    page.keyboard.type(SECOND)
    assert _turn(page, 1)["text"] == SECOND

    expected = {
        "segments": [
            {"speaker": "Agente", "start": 0, "end": 2.85, "text": FIRST},
            {"speaker": "Cliente", "start": 3.45, "end": 6.78, "text": SECOND},
        ]
    }
    assert json.loads(page.locator("[data-widget-answer]").input_value()) == expected
    shoot(page, "02-ready-arabic-ui")

    page.set_viewport_size({"width": 420, "height": 900})
    box = widget.bounding_box()
    assert box is not None and box["width"] <= 420
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    shoot(page, "03-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_navigation():
        page.locator("[data-submit]").click()
    assert _answers(app, project["id"]) == [expected]


def test_a_recording_that_cannot_load_says_so_and_the_transcript_can_still_be_typed(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    payload = {"audio_url": f"{live_server}/static/demo/no-such-call.wav"}
    make_typed_project(app, organisation, run_jobs, "audio_transcription", [("es", payload)])
    make_user("pablo@example.org", native=("es",))
    sign_in(page, "pablo@example.org", path="/login?lang=ar")
    page.goto("/work?lang=en")
    notice = page.locator("[data-audio-failed]")
    notice.wait_for(state="visible")
    assert "/static/demo/no-such-call.wav" in notice.inner_text()
    # No duration anywhere: a turn still gets a start and an end.
    page.locator("[data-audio-add]").click()
    assert _turn(page, 0)["start"] == "0" and _turn(page, 0)["end"] == "3"
    shoot(page, "01-failed")
