"""docs/linked-data.md lists every route of the linked-data blueprints and shows the screenshots."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

DOC = Path(__file__).resolve().parents[2] / "docs" / "linked-data.md"


def test_every_route_is_documented(ld_app: Flask) -> None:
    text = DOC.read_text(encoding="utf-8")
    rules = [
        r.rule
        for r in ld_app.url_map.iter_rules()
        if r.endpoint.split(".")[0] in ("pages", "dumps") and not r.endpoint.endswith("static")
    ]
    assert len(rules) >= 15
    for rule in rules:
        shown = (
            rule.replace("<path:", "<").replace("<name>", "<slug>")
            if rule.startswith(("/id/", "/source/", "/graph/"))
            else rule
        )
        assert f"`{shown}`" in text or f"`{rule}`" in text, rule


def test_the_images_it_shows_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in (
        "home.png",
        "entity.png",
        "source.png",
        "timeline.png",
        "query.png",
        "entity-phone.png",
        "ontology-diagram.svg",
    ):
        assert f"(img/{name})" in text
        assert (DOC.parent / "img" / name).is_file(), f"run tests/ld/test_browser.py for {name}"
