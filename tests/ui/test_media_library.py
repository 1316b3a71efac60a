"""MediaLibraryDialog: thumbnails, search, upload of several files, delete with a warning when in use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage

from editor_app.ui.media_library import MediaLibraryDialog
from tests.ui.fakes import FakeWorkspace, ScriptedPrompts


def png(colour: str = "#4a7") -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def make_dialog(
    qtbot, runner, workspace: FakeWorkspace, prompts: ScriptedPrompts | None = None
) -> MediaLibraryDialog:
    dialog = MediaLibraryDialog(workspace, runner, prompts or ScriptedPrompts())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.refresh()
    return dialog


def garden_media() -> FakeWorkspace:
    workspace = FakeWorkspace()
    workspace.media = {
        "static/images/uploads/tomatoes.png": png(),
        "static/images/uploads/compost.png": png("#852"),
        "static/images/uploads/sheet.pdf": b"%PDF-1.4",
    }
    return workspace


def test_lists_the_media_folder_with_image_thumbnails(qtbot, runner):
    dialog = make_dialog(qtbot, runner, garden_media())
    qtbot.waitUntil(lambda: len(dialog.paths()) == 3, timeout=5000)
    item = dialog.list.item(0)
    qtbot.waitUntil(lambda: item.icon().pixmap(96, 96).width() == 96, timeout=5000)
    assert [dialog.list.item(i).text() for i in range(3)] == ["compost.png", "sheet.pdf", "tomatoes.png"]


def test_search_narrows_the_files_shown(qtbot, runner):
    dialog = make_dialog(qtbot, runner, garden_media())
    qtbot.waitUntil(lambda: len(dialog.paths()) == 3, timeout=5000)
    qtbot.keyClicks(dialog.search_box, "tom")
    assert dialog.visible_paths() == ["static/images/uploads/tomatoes.png"]


def test_uploading_several_files_at_once(qtbot, runner, tmp_path):
    workspace = FakeWorkspace()
    dialog = make_dialog(qtbot, runner, workspace)
    files = []
    for name in ("a.png", "b.png"):
        path = tmp_path / name
        path.write_bytes(png())
        files.append(path)
    with qtbot.waitSignal(dialog.uploaded, timeout=5000) as signal:
        dialog.upload_files(files)
    assert signal.args == [["static/images/uploads/a.png", "static/images/uploads/b.png"]]
    qtbot.waitUntil(lambda: len(dialog.paths()) == 2, timeout=5000)


def test_dropping_files_on_the_dialog_uploads_them(qtbot, runner, tmp_path):
    workspace = FakeWorkspace()
    dialog = make_dialog(qtbot, runner, workspace)
    path = tmp_path / "dropped.png"
    path.write_bytes(png())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(dialog.uploaded, timeout=5000):
        dialog.dropEvent(event)
    assert Path("static/images/uploads/dropped.png").as_posix() in workspace.media


def test_deleting_a_file_in_use_warns_with_the_entries_using_it(qtbot, runner):
    workspace = garden_media()
    workspace.media_used_by["static/images/uploads/tomatoes.png"] = ["content/posts/tomato-diary.md"]
    prompts = ScriptedPrompts(confirm=True)
    dialog = make_dialog(qtbot, runner, workspace, prompts)
    qtbot.waitUntil(lambda: len(dialog.paths()) == 3, timeout=5000)
    dialog.select("static/images/uploads/tomatoes.png")
    with qtbot.waitSignal(dialog.deleted, timeout=5000):
        dialog.delete_button.click()
    assert "content/posts/tomato-diary.md" in prompts.asked[0][1]
    assert "static/images/uploads/tomatoes.png" not in workspace.media
    assert "static/images/uploads/tomatoes.png" not in dialog.paths()


def test_declining_the_delete_keeps_the_file(qtbot, runner):
    workspace = garden_media()
    prompts = ScriptedPrompts(confirm=False)
    dialog = make_dialog(qtbot, runner, workspace, prompts)
    qtbot.waitUntil(lambda: len(dialog.paths()) == 3, timeout=5000)
    dialog.select("static/images/uploads/compost.png")
    dialog.delete_button.click()
    qtbot.waitUntil(lambda: bool(prompts.asked), timeout=5000)
    assert "static/images/uploads/compost.png" in workspace.media


def test_insert_emits_the_selected_path(qtbot, runner):
    dialog = make_dialog(qtbot, runner, garden_media())
    qtbot.waitUntil(lambda: len(dialog.paths()) == 3, timeout=5000)
    dialog.select("static/images/uploads/compost.png")
    with qtbot.waitSignal(dialog.inserted) as signal:
        dialog.insert_button.click()
    assert signal.args == ["static/images/uploads/compost.png"]


def test_thumbnails_that_arrive_after_the_list_is_gone_are_dropped(qtbot, runner):
    workspace = garden_media()
    dialog = MediaLibraryDialog(workspace, runner, ScriptedPrompts())
    dialog.show()
    dialog.refresh()
    qtbot.waitUntil(lambda: len(dialog.paths()) == 3, timeout=5000)
    contents = {path: workspace.read_media(path) for path in dialog.paths()}
    dialog.list.clear()  # what closing the dialog does to its items before a late task answers

    dialog._show_thumbnails(contents)  # no item to draw on: nothing happens, nothing raises
    dialog.close()
    dialog.deleteLater()
