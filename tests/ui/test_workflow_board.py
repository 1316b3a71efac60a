"""WorkflowBoard: three columns by status; moving cards (buttons, drag and drop) and publishing."""

from __future__ import annotations

from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH, STATUS_PENDING_REVIEW
from editor_app.ui.workflow_board import WorkflowBoard, WorkflowCard


def make_board(qtbot) -> WorkflowBoard:
    board = WorkflowBoard()
    qtbot.addWidget(board)
    board.set_cards(
        [
            WorkflowCard("posts", "cover-crops", "Winter cover crops", STATUS_DRAFT, "Posts"),
            WorkflowCard("plants", "garlic", "Garlic", STATUS_PENDING_REVIEW, "Plant guide"),
            WorkflowCard("posts", "frost", "First frost", STATUS_PENDING_PUBLISH, "Posts"),
        ]
    )
    return board


def test_unpublished_entries_appear_in_the_column_of_their_status(qtbot):
    board = make_board(qtbot)
    assert board.keys_in(STATUS_DRAFT) == ["posts/cover-crops"]
    assert board.keys_in(STATUS_PENDING_REVIEW) == ["plants/garlic"]
    assert board.keys_in(STATUS_PENDING_PUBLISH) == ["posts/frost"]
    assert not board.empty_label.isVisibleTo(board)


def test_move_forward_requests_the_next_status(qtbot):
    board = make_board(qtbot)
    board.select("posts/cover-crops")
    assert not board.back_button.isEnabled()
    with qtbot.waitSignal(board.status_change_requested) as signal:
        board.forward_button.click()
    assert signal.args == ["posts", "cover-crops", STATUS_PENDING_REVIEW]
    board.move_entry("posts/cover-crops", STATUS_PENDING_REVIEW)
    assert board.keys_in(STATUS_PENDING_REVIEW) == ["plants/garlic", "posts/cover-crops"]
    assert board.keys_in(STATUS_DRAFT) == []


def test_only_ready_entries_can_be_published(qtbot):
    board = make_board(qtbot)
    board.select("plants/garlic")
    assert not board.publish_button.isEnabled()
    board.select("posts/frost")
    assert board.publish_button.isEnabled()
    with qtbot.waitSignal(board.publish_requested) as signal:
        board.publish_button.click()
    assert signal.args == ["posts", "frost"]
    board.remove_entry("posts/frost")
    assert board.keys_in(STATUS_PENDING_PUBLISH) == []


def test_dropping_a_card_on_another_column_requests_that_status(qtbot):
    board = make_board(qtbot)
    board.select("posts/cover-crops")
    target = board.columns[STATUS_PENDING_PUBLISH]
    source = board.columns[STATUS_DRAFT]
    with qtbot.waitSignal(board.status_change_requested) as signal:
        target.take_cards_from(source)
    assert signal.args == ["posts", "cover-crops", STATUS_PENDING_PUBLISH]


def test_an_empty_board_says_how_entries_get_there(qtbot):
    board = WorkflowBoard()
    qtbot.addWidget(board)
    board.set_cards([])
    assert board.empty_label.isVisibleTo(board)
