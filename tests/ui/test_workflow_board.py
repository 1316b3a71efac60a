"""WorkflowBoard: three columns by status; one selection; moving cards (buttons, drag and drop), publishing.

Cards are picked by mouse clicks and keys on the real views, as a user does.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor_app.backends.base import STATUS_DRAFT, STATUS_PENDING_PUBLISH, STATUS_PENDING_REVIEW
from editor_app.ui.workflow_board import CARD_MIME_TYPE, WorkflowBoard, WorkflowCard


def make_board(qtbot) -> WorkflowBoard:
    board = WorkflowBoard()
    qtbot.addWidget(board)
    board.resize(900, 500)
    board.set_cards(
        [
            WorkflowCard("posts", "cover-crops", "Winter cover crops", STATUS_DRAFT, "Posts", "2026-11-01"),
            WorkflowCard("posts", "seed-swap", "Seed swap", STATUS_DRAFT, "Posts"),
            WorkflowCard("plants", "garlic", "Garlic", STATUS_PENDING_REVIEW, "Plant guide"),
            WorkflowCard("posts", "frost", "First frost", STATUS_PENDING_PUBLISH, "Posts"),
        ]
    )
    board.show()
    qtbot.waitExposed(board)
    return board


def click_card(board: WorkflowBoard, key: str, double: bool = False) -> None:
    """Click (or double-click) a card where it is drawn."""
    column = next(c for c in board.columns.values() if c.index_of(key).isValid())
    centre = column.visualRect(column.index_of(key)).center()
    QTest.mouseClick(column.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    if double:
        QTest.mouseDClick(column.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)


def selected_keys(board: WorkflowBoard) -> list[str]:
    """Every card shown selected, over all columns."""
    return [str(index.data(Qt.ItemDataRole.UserRole + 1)) for column in board.columns.values()
            for index in column.selectionModel().selectedIndexes()]


def drop_on(column, mime: QMimeData) -> None:
    """What a drag over `column` and a release there send to it: enter, move, drop."""
    point, move, left = QPoint(20, 20), Qt.DropAction.MoveAction, Qt.MouseButton.LeftButton
    plain = Qt.KeyboardModifier.NoModifier
    for event in (
        QDragEnterEvent(point, move, mime, left, plain),
        QDragMoveEvent(point, move, mime, left, plain),
        QDropEvent(point.toPointF(), move, mime, left, plain),
    ):
        QApplication.sendEvent(column.viewport(), event)


def test_unpublished_entries_appear_in_the_column_of_their_status(qtbot):
    board = make_board(qtbot)
    assert board.keys_in(STATUS_DRAFT) == ["posts/cover-crops", "posts/seed-swap"]
    assert board.keys_in(STATUS_PENDING_REVIEW) == ["plants/garlic"]
    assert board.keys_in(STATUS_PENDING_PUBLISH) == ["posts/frost"]
    assert not board.empty_label.isVisibleTo(board)


def test_clicking_a_card_enables_the_buttons_that_apply_to_it(qtbot):
    board = make_board(qtbot)
    assert not board.forward_button.isEnabled() and not board.delete_button.isEnabled()
    click_card(board, "posts/cover-crops")
    assert board.selected_card().key == "posts/cover-crops"
    assert board.forward_button.isEnabled() and board.delete_button.isEnabled()
    assert not board.back_button.isEnabled() and not board.publish_button.isEnabled()
    click_card(board, "posts/frost")
    assert board.publish_button.isEnabled() and not board.forward_button.isEnabled()


def test_one_card_is_selected_across_the_columns(qtbot):
    board = make_board(qtbot)
    click_card(board, "posts/cover-crops")
    click_card(board, "plants/garlic")
    assert selected_keys(board) == ["plants/garlic"]


def test_move_forward_moves_the_selected_card_and_keeps_it_selected(qtbot):
    board = make_board(qtbot)
    click_card(board, "posts/seed-swap")
    with qtbot.waitSignal(board.status_change_requested) as signal:
        QTest.mouseClick(board.forward_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["posts", "seed-swap", STATUS_PENDING_REVIEW]
    board.move_entry("posts/seed-swap", STATUS_PENDING_REVIEW)
    assert board.keys_in(STATUS_PENDING_REVIEW) == ["plants/garlic", "posts/seed-swap"]
    assert board.keys_in(STATUS_DRAFT) == ["posts/cover-crops"]
    assert selected_keys(board) == ["posts/seed-swap"]
    # The next move acts on the same card, not on whatever took its old place.
    with qtbot.waitSignal(board.status_change_requested) as signal:
        QTest.mouseClick(board.forward_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["posts", "seed-swap", STATUS_PENDING_PUBLISH]


def test_only_ready_entries_can_be_published(qtbot):
    board = make_board(qtbot)
    click_card(board, "plants/garlic")
    assert not board.publish_button.isEnabled()
    click_card(board, "posts/frost")
    with qtbot.waitSignal(board.publish_requested) as signal:
        QTest.mouseClick(board.publish_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["posts", "frost"]
    board.remove_entry("posts/frost")
    assert board.keys_in(STATUS_PENDING_PUBLISH) == []
    assert board.selected_card() is None and not board.delete_button.isEnabled()


def test_arrow_keys_move_the_selection_within_a_column(qtbot):
    board = make_board(qtbot)
    click_card(board, "posts/cover-crops")
    QTest.keyClick(board.columns[STATUS_DRAFT], Qt.Key.Key_Down)
    assert board.selected_card().key == "posts/seed-swap"


def test_double_clicking_a_card_opens_its_entry(qtbot):
    board = make_board(qtbot)
    with qtbot.waitSignal(board.entry_activated) as signal:
        click_card(board, "plants/garlic", double=True)
    assert signal.args == ["plants", "garlic"]


def test_dropping_a_card_on_another_column_requests_that_status(qtbot):
    board = make_board(qtbot)
    source = board.columns[STATUS_DRAFT]
    target = board.columns[STATUS_PENDING_PUBLISH]
    # What a drag from the Draft column carries: the model's own mime data for the dragged card.
    mime = board.model.mimeData([source.cards.mapToSource(source.index_of("posts/cover-crops"))])
    assert bytes(mime.data(CARD_MIME_TYPE).data()) == b"posts/cover-crops"
    with qtbot.waitSignal(board.status_change_requested) as signal:
        drop_on(target, mime)
    assert signal.args == ["posts", "cover-crops", STATUS_PENDING_PUBLISH]
    assert selected_keys(board) == ["posts/cover-crops"]


def test_a_drop_of_anything_else_is_refused(qtbot):
    board = make_board(qtbot)
    mime = QMimeData()
    mime.setText("posts/cover-crops")
    with qtbot.assertNotEmitted(board.status_change_requested):
        drop_on(board.columns[STATUS_PENDING_PUBLISH], mime)


def test_a_selected_cards_text_stays_readable(qtbot):
    board = make_board(qtbot)
    click_card(board, "plants/garlic")
    column = board.columns[STATUS_PENDING_REVIEW]
    rect = column.visualRect(column.index_of("plants/garlic"))
    image: QImage = column.viewport().grab(rect).toImage()
    background = image.pixelColor(6, image.height() // 2)
    colours = {image.pixelColor(x, y).rgb() for x in range(image.width()) for y in range(image.height())}
    contrasting = [c for c in colours if abs(QColor(c).lightness() - background.lightness()) > 100]
    assert contrasting, "the selected card's text is not visible against its background"


def test_an_empty_board_says_how_entries_get_there(qtbot):
    board = WorkflowBoard()
    qtbot.addWidget(board)
    board.set_cards([])
    assert board.empty_label.isVisibleTo(board)
