"""`kg` exits as the README says (issue #11, point 7).

3 and one line for an internal error; 2 for a format that does not fit the
query's form, for a query file that does not exist, and for a CAHR_* setting
or option with a value it does not accept. The real command runs as a
subprocess, except where an internal error has to be provoked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from cahr import cli
from cahr.errors import InputError, SettingError
from cahr.server import create_app
from cahr.server.settings import BY_NAME, SETTINGS
from cahr.store import ENGINES

SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/cahr/ontology#Person> } LIMIT 3"
CONSTRUCT = "CONSTRUCT WHERE { ?s a <https://w3id.org/cahr/ontology#Person> } LIMIT 3"
ASK = "ASK { ?s ?p ?o }"


def kg(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CAHR_")}
    return subprocess.run(
        [sys.executable, "-m", "cahr.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **(env or {})},
        cwd=cwd,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- 3: an internal error is one line, the traceback only on request ---------------------


def test_an_internal_error_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], dist: Path
) -> None:
    import cahr.store

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the store fell over\nat once")

    monkeypatch.setattr(cahr.store, "open_store", broken)
    monkeypatch.delenv("CAHR_DEBUG", raising=False)
    assert cli.main(["query", "--dist", str(dist), ASK]) == 3
    line = one_line(capsys.readouterr().err)
    assert line.startswith("kg: internal error: RuntimeError: the store fell over at once (at ")
    assert "(at cahr/cli.py:" in line  # the innermost frame of our code
    assert line.endswith("run with --debug for the traceback)")

    assert cli.main(["--debug", "query", "--dist", str(dist), ASK]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError" in err
    monkeypatch.setenv("CAHR_DEBUG", "1")
    assert cli.main(["query", "--dist", str(dist), ASK]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_damaged_build_is_an_internal_error_not_a_traceback(dist: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "dist"
    shutil.copytree(dist, damaged)
    (damaged / "manifest.json").write_text('{"build_id": ', encoding="utf-8")
    result = kg("query", "--dist", str(damaged), ASK)
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert line.startswith("kg: internal error: JSONDecodeError: ")
    assert "(at cahr/" in line and "--debug" in line


# -- 2: a format that does not fit the query -------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fmt", "says"),
    [
        (SELECT, "turtle", "a SELECT query answers with a table"),
        (SELECT, "jsonld", "a SELECT query answers with a table"),
        (ASK, "nt", "an ASK query answers with a table"),
        (CONSTRUCT, "csv", "a CONSTRUCT or DESCRIBE query answers with a graph"),
        (CONSTRUCT, "json", "a CONSTRUCT or DESCRIBE query answers with a graph"),
        (SELECT, "yaml", "unknown format 'yaml'"),
    ],
    ids=["select-turtle", "select-jsonld", "ask-nt", "construct-csv", "construct-json", "unknown"],
)
def test_a_format_that_does_not_fit_the_query_is_bad_input(
    dist: Path, query: str, fmt: str, says: str
) -> None:
    result = kg("query", "--dist", str(dist), "--format", fmt, query)
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert says in line and "choose" in line, line
    assert result.stdout == ""


def test_formats_that_fit_are_written(dist: Path) -> None:
    select = kg("query", "--dist", str(dist), "--format", "json", SELECT)
    assert select.returncode == 0, select.stderr
    assert len(json.loads(select.stdout)["results"]["bindings"]) == 3
    construct = kg("query", "--dist", str(dist), "--format", "nt", CONSTRUCT)
    assert construct.returncode == 0, construct.stderr
    assert len(Graph().parse(data=construct.stdout, format="nt")) == 3
    ask = kg("query", "--dist", str(dist), "--format", "csv", ASK)
    assert (ask.returncode, ask.stdout.split()) == (0, ["_askResult", "true"])


# -- 2: a query file that is not there ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["missing.rq", "queries/missing.sparql", "queries/who-signed", "select.txt", "Q.RQ"]
)
def test_a_missing_query_file_says_no_such_file(dist: Path, tmp_path: Path, name: str) -> None:
    result = kg("query", "--dist", str(dist), name, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == f"kg: no such file: {name}"


def test_a_query_file_is_read_and_a_query_text_is_not_a_file(dist: Path, tmp_path: Path) -> None:
    (tmp_path / "people.rq").write_text(SELECT, encoding="utf-8")
    (tmp_path / "people").write_text(SELECT, encoding="utf-8")
    for name in ("people.rq", "people", "./people"):
        result = kg("query", "--dist", str(dist), "--format", "csv", name, cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)
        assert len(result.stdout.splitlines()) == 4  # the header and three rows
    folder = kg("query", "--dist", str(dist), "queries.rq", cwd=tmp_path)
    assert folder.returncode == 2
    spaced = tmp_path / "my queries"
    spaced.mkdir()
    (spaced / "people.sparql").write_text(SELECT, encoding="utf-8")
    assert cli.query_text(str(spaced / "people.sparql")) == SELECT
    # a "{" makes it a query, even when it ends like a file name
    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # x.rq"
    result = kg("query", "--dist", str(dist), "--format", "csv", text, cwd=tmp_path)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2, result.stderr
    for text in ("ASK{}", "DESCRIBE*", "DESCRIBE?x", "select * { ?s ?p ?o } limit 1"):
        assert cli.query_text(text) == text


def test_a_bad_query_is_still_a_syntax_error(dist: Path) -> None:
    result = kg("query", "--dist", str(dist), "SELECT ?s WHERE { ?s ?p }")
    assert result.returncode == 2
    assert "no such file" not in result.stderr
    assert "line" in one_line(result.stderr)


def test_a_folder_is_not_a_query_file(tmp_path: Path) -> None:
    (tmp_path / "q.rq").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        cli.query_text(str(tmp_path / "q.rq"))


# -- 2: a CAHR_* variable or an option with a value it does not accept ---------------------


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("CAHR_PORT", "abc", "an integer from 0 to 65535"),
        ("CAHR_PORT", "70000", "an integer from 0 to 65535"),
        ("CAHR_QUERY_TIMEOUT", "-1", "a number greater than 0"),
        ("CAHR_QUERY_TIMEOUT", "nan", "a number greater than 0"),
        ("CAHR_ENGINE", "foo", "one of oxigraph, oxigraph-disk, rdflib"),
        ("CAHR_WORKERS", "0", "an integer of at least 1"),
        ("CAHR_MAX_ROWS", "1.5", "an integer of at least 1"),
        ("CAHR_CACHE_MB", "-3", "a number of at least 0"),
    ],
)
def test_a_bad_setting_names_the_variable_and_the_accepted_values(
    dist: Path, variable: str, value: str, accepted: str
) -> None:
    result = kg("serve", "--dist", str(dist), env={variable: value})
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert line == f"kg: {variable}={value!r} is not accepted: it must be {accepted}"


@pytest.mark.parametrize(
    ("option", "value", "accepted"),
    [
        ("--port", "abc", "an integer from 0 to 65535"),
        ("--query-timeout", "0", "a number greater than 0"),
        ("--engine", "foo", "one of oxigraph, oxigraph-disk, rdflib"),
        ("--query-processes", "-2", "an integer of at least 1"),
    ],
)
def test_a_bad_option_names_it_and_the_accepted_values(
    dist: Path, option: str, value: str, accepted: str
) -> None:
    result = kg("serve", "--dist", str(dist), option, value)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line == f"kg: {option} {value!r} is not accepted: it must be {accepted}"


def test_the_table_accepts_its_own_defaults_and_names_the_engines() -> None:
    assert BY_NAME["engine"].choices == ENGINES
    for setting in SETTINGS:
        assert setting.accepts(setting.default), setting.name
        if isinstance(setting.default, int | float) and not isinstance(setting.default, bool):
            assert setting.parse(str(setting.default)) == setting.default


def test_create_app_refuses_a_bad_setting_string(dist: Path) -> None:
    with pytest.raises(SettingError, match="CAHR_QUERY_TIMEOUT='-1'.*greater than 0"):
        create_app({"dist": str(dist), "query_timeout": "-1"})


def test_docs_list_the_accepted_values_of_each_limited_setting() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "settings.md").read_text("utf-8")
    limited = [s for s in SETTINGS if s.choices or s.minimum is not None or s.maximum is not None]
    assert len(limited) >= 8
    for setting in limited:
        assert f"- `{setting.name}`: {setting.accepted}\n" in text, setting.name


def test_serve_without_libseccomp_stops_at_start_naming_the_package(
    dist: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The query processes could not keep off the network: kg serve refuses to start
    (exit 2) rather than failing at the first query."""
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # importing it raises ImportError
    assert cli.main(["serve", "--dist", str(dist), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "libseccomp2" in err and "off the network" in err
