"""The query UI's YASGUI files come from the folder the ``yasgui`` setting names, so that an
installed package (which has no node_modules/) can serve the UI too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask


def test_yasgui_is_served_from_the_configured_folder(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    (tmp_path / "yasgui.min.js").write_text("/* ours */", encoding="utf-8")
    (tmp_path / "yasgui.min.css").write_text("/* ours too */", encoding="utf-8")
    client = make_app(yasgui=str(tmp_path)).test_client()
    with client.get("/vendor/yasgui/yasgui.min.js") as answer:  # send_file streams the file
        assert answer.status_code == 200 and answer.data == b"/* ours */"


def test_a_folder_without_yasgui_is_a_404_that_says_what_to_run(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    client = make_app(yasgui=str(tmp_path)).test_client()
    answer = client.get("/vendor/yasgui/yasgui.min.js")
    assert answer.status_code == 404
    assert "make assets" in answer.get_data(as_text=True)
