"""Settings, command line and docs agree: every setting is an option of ``kg serve``,
an environment variable and a row of docs/settings.md; the factory reads them in order.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cahr.cli import main
from cahr.errors import InputError
from cahr.serve import settings_from
from cahr.server import create_app
from cahr.server.settings import SETTINGS
from cahr.server.wsgi import options

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert len(SETTINGS) >= 9
    for setting in SETTINGS:
        option = f"--{setting.name.replace('_', '-')}"
        assert f"| `{setting.name}` | `{option}` | `{setting.env}` |" in text, setting.name


def test_the_querying_page_covers_the_routes_and_the_reload() -> None:
    text = (DOCS / "querying.md").read_text(encoding="utf-8")
    for needle in (
        "kg serve",
        "/sparql",
        "/healthz",
        "SIGHUP",
        "SPARQLWrapper",
        "SPARQLStore",
        "curl",
    ):
        assert needle in text, needle


def test_kg_serve_has_an_option_per_setting(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = capsys.readouterr().out
    for setting in SETTINGS:
        assert f"--{setting.name.replace('_', '-')}" in help_text
        assert setting.env in help_text
    assert "SIGHUP" in help_text


def _args(root: Path, **given: object) -> argparse.Namespace:
    values: dict[str, object] = {s.name: None for s in SETTINGS}
    values.update(given)
    return argparse.Namespace(root=root, **values)


def test_options_override_the_environment_which_overrides_defaults(
    dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAHR_QUERY_TIMEOUT", "3")
    monkeypatch.setenv("CAHR_MAX_ROWS", "50")
    settings = settings_from(_args(dist.parent, dist=str(dist), query_timeout=4.0))
    assert (settings["query_timeout"], settings["max_rows"], settings["port"]) == (4.0, 50, 8000)
    assert settings["dist"] == str(dist.resolve())


def test_dist_defaults_to_the_root_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAHR_DIST", raising=False)
    with pytest.raises(InputError, match=f"{tmp_path / 'dist'} holds no built dataset"):
        settings_from(_args(tmp_path))


def test_kg_serve_without_a_build_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path), "serve", "--dist", str(tmp_path / "none")]) == 2
    assert "run `kg build` first" in capsys.readouterr().err
    assert main(["serve", "--dist", str(tmp_path), "--engine", "sqlite"]) == 2


def test_gunicorn_options() -> None:
    chosen = options({"host": "::1", "port": 0, "workers": 3, "query_timeout": 2.5})
    assert chosen["bind"] == "[::1]:0"
    assert (chosen["workers"], chosen["worker_class"]) == (3, "gevent")
    assert chosen["graceful_timeout"] == 8 and chosen["preload_app"] is False


def test_create_app_reads_strings_and_refuses_unknown_settings(dist: Path) -> None:
    with pytest.raises(InputError, match="unknown setting 'colour'"):
        create_app({"dist": str(dist), "colour": "blue"})
    app = create_app({"dist": str(dist), "query_timeout": "2.5", "max_rows": "7"})
    try:
        assert app.config["CAHR"]["query_timeout"] == 2.5
        assert app.config["CAHR"]["max_rows"] == 7
        assert app.config["MAX_CONTENT_LENGTH"] == app.config["CAHR"]["max_request_bytes"]
    finally:
        app.extensions["cahr"].close()
