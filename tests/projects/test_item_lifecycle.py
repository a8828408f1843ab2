"""The item's transition table: every allowed move passes, every other is refused, and the
functions built on it write exactly their columns."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask

from marketplace.projects import item_lifecycle
from marketplace.projects.item_lifecycle import ITEM_TRANSITIONS, IllegalItemMove, move_item, sources_of
from marketplace.projects.models import Item, ItemState

ALLOWED = {
    (ItemState.AWAITING_LANGUAGE, ItemState.READY),
    (ItemState.AWAITING_LANGUAGE, ItemState.TRIAGE),
    (ItemState.TRIAGE, ItemState.READY),
    (ItemState.TRIAGE, ItemState.COMPLETE),
    (ItemState.READY, ItemState.TRIAGE),
    (ItemState.READY, ItemState.COMPLETE),
    (ItemState.COMPLETE, ItemState.READY),
}


def test_the_table_is_exactly_the_documented_moves() -> None:
    table = {(source, target) for source, targets in ITEM_TRANSITIONS.items() for target in targets}
    assert table == ALLOWED
    assert set(ITEM_TRANSITIONS) == set(ItemState)
    assert sources_of(ItemState.READY) == {ItemState.AWAITING_LANGUAGE, ItemState.TRIAGE, ItemState.COMPLETE}
    assert sources_of(ItemState.AWAITING_LANGUAGE) == frozenset()


@pytest.mark.parametrize(("source", "target"), list(itertools.product(ItemState, ItemState)))
def test_move_item_allows_the_table_and_refuses_the_rest(
    app: Flask, source: ItemState, target: ItemState
) -> None:
    item = Item(state=source)
    with app.test_request_context():
        if (source, target) in ALLOWED:
            move_item(item, target)
            assert item.state == target
        else:
            with pytest.raises(IllegalItemMove) as refused:
                move_item(item, target)
            assert refused.value.code == "illegal_transition"
            assert item.state == source


def test_reopen_clears_what_no_longer_stands(app: Flask) -> None:
    item = Item(
        state=ItemState.COMPLETE,
        label={"label": "a"},
        label_source="review",
        edge_case_reason="unresolved",
        consensus={"answer": {"label": "a"}},
    )
    with app.test_request_context():
        item_lifecycle.reopen_item(item)
    assert (item.state, item.label, item.label_source, item.edge_case_reason, item.consensus) == (
        ItemState.READY,
        None,
        None,
        None,
        None,
    )


def test_complete_and_triage_write_their_reasons(app: Flask) -> None:
    item = Item(state=ItemState.READY, edge_case_reason=None, triage_reason=None)
    with app.test_request_context():
        item_lifecycle.complete_item(item, edge_case_reason="unresolved")
        assert (item.state, item.edge_case_reason) == (ItemState.COMPLETE, "unresolved")
        assert item_lifecycle.send_to_triage(item, "reported") is False  # only a ready item moves
        assert (item.state, item.triage_reason) == (ItemState.COMPLETE, None)
        ready = Item(state=ItemState.READY, triage_reason=None)
        assert item_lifecycle.send_to_triage(ready, "reported") is True
        assert (ready.state, ready.triage_reason) == (ItemState.TRIAGE, "reported")


def test_labels_name_their_source(app: Flask) -> None:
    item = Item(state=ItemState.COMPLETE)
    item_lifecycle.set_label(item, {"label": "b"}, "correction")
    assert (item.label, item.label_source) == ({"label": "b"}, "correction")
    with pytest.raises(ValueError, match="unknown label source"):
        item_lifecycle.set_label(item, {"label": "b"}, "guess")
