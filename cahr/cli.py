"""The ``kg`` command: parse arguments, call one library function, report.

Only this module prints or exits. Exit codes (README, ``kg --help``):
0 built / answered and conforming, 1 SHACL or check violations or an
inconsistent graph, 2 bad input (syntax, missing file, undeclared term, bad
query, a format that does not fit the query, a bad option or ``CAHR_*``
value), 3 internal error: one line, the traceback only with ``--debug`` (or
``CAHR_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import traceback
from pathlib import Path

from cahr.errors import BuildFailed, CahrError, InputError
from cahr.layout import Layout
from cahr.store import ENGINES

EPILOG = """exit codes:
  0  built (or answered) and the graph conforms
  1  the graph has SHACL or check violations, or is inconsistent (OWL RL);
     dist/ is left untouched
  2  bad input: a syntax error (file:line:column), a missing file, a bad query,
     a --format that does not fit the query's form, a bad option or CAHR_* value
  3  internal error: one line; --debug (or CAHR_DEBUG=1) prints the traceback
"""

QUERY_ARGUMENT = """the query text, or the file that holds it. QUERY is a file name when it
holds no "{" or line break and ends with .rq or .sparql, or when it is one
word (no space, "{" or "<") that does not start with a SPARQL keyword
(SELECT, ASK, CONSTRUCT, DESCRIBE, PREFIX, BASE); anything else is query
text (every query but DESCRIBE has a "{")"""

# A keyword that starts a query, followed by what may follow it (select.rq is a file name).
_QUERY_START = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE|PREFIX|BASE)(?=[\s*?$<{(:]|$)", re.I)
_QUERY_FILE_SUFFIXES = (".rq", ".sparql")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    debug = args.debug or os.environ.get("CAHR_DEBUG", "").strip().lower() in {"1", "true", "yes"}
    # rdflib logs a traceback for each ill-typed literal it parses; the build reports
    # each one itself (OWL RL dt-not-type, with file and line).
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    try:
        return int(args.run(args) or 0)
    except BuildFailed as exc:
        print(exc.report_text, file=sys.stderr)
        print(f"kg: {exc}", file=sys.stderr)
        return exc.exit_code
    except CahrError as exc:
        if debug:
            traceback.print_exc()
        print(f"kg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (kg query ... | head): not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 141
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print(
            f"kg: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
            f"(at {_where(exc)}; run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 3


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame of our own code that the error passed through."""
    frames = traceback.extract_tb(exc.__traceback__)
    package = Path(__file__).resolve().parent
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(package)]
    frame = (ours or frames)[-1]
    path = Path(frame.filename).resolve()
    shown = path.relative_to(package.parent) if path.is_relative_to(package.parent) else path
    return f"{shown}:{frame.lineno}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build, validate, query and serve the CAHR knowledge graph.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the project folder to work on (default: the current one)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an internal error, print the traceback too (or set CAHR_DEBUG=1)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="parse, reason, validate and export to dist/",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("--out", type=Path, help="where to write (default: ROOT/dist)")
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")
    build.set_defaults(run=_build)

    validate = commands.add_parser(
        "validate",
        help="validate without writing; print the report",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument(
        "--report-graph",
        type=Path,
        metavar="FILE",
        help="also write the W3C SHACL report graph (Turtle) to FILE",
    )
    validate.set_defaults(run=_validate)

    query = commands.add_parser(
        "query",
        help="answer a SPARQL query on the built dataset",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    query.add_argument("query", metavar="QUERY", help=QUERY_ARGUMENT)
    query.add_argument(
        "--format",
        default="table",
        help="table (default); for SELECT and ASK csv, tsv, json, xml; for CONSTRUCT "
        "and DESCRIBE turtle, nt, jsonld, rdfxml, nquads, trig",
    )
    query.add_argument("--dist", type=Path, help="the built dataset (default: ROOT/dist)")
    query.add_argument(
        "--engine",
        default="oxigraph",
        choices=ENGINES,
        help="the query engine (default: oxigraph, in memory; oxigraph-disk: the build's "
        "on-disk store)",
    )
    query.set_defaults(run=_query)

    from cahr.serve import add_serve_command

    add_serve_command(commands)
    return parser


def _build(args: argparse.Namespace) -> int:
    from cahr.pipeline.run import build
    from cahr.pipeline.summary import table

    layout = Layout.at(args.root)
    built = build(layout, args.out)
    if not args.quiet:
        m = built.manifest
        print(f"Built {layout.relative(built.out)}/ (build {m['build_id']})")
        for name, count in m["graphs"].items():
            print(f"  {count:>6} triples  {name}")
        print(f"  {m['union_triples']:>6} triples in the union ({m['inferred_triples']} inferred)")
        print(
            f"  {m['quotes_checked']} evidence quotes verified against sources/; "
            f"{m['warnings']} warning(s)"
        )
        print("\nWhat each article contributes (resources by kind, asserted or inferred):")
        print(table(m["articles"]))
        print("\nWhich words vouch for each fact (own: an attestation; see kg/README.md):")
        print(table(m["evidence"]))
        timings = "  ".join(f"{k} {v:.2f}s" for k, v in m["timings"].items())
        print(f"\nTime: {timings}  (total {sum(m['timings'].values()):.2f}s)")
        if m["warnings"]:
            print(f"Warnings are listed in {layout.relative(built.out)}/validation-report.txt")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from cahr.pipeline.run import check

    checked = check(Layout.at(args.root))
    print(checked.report.text())
    if args.report_graph:
        checked.report.graph.serialize(args.report_graph, format="turtle")
    return 0 if checked.report.conforms else 1


def _query(args: argparse.Namespace) -> int:
    from cahr.iris import BASE
    from cahr.query import vet
    from cahr.results import write
    from cahr.sandbox import deny_network
    from cahr.store import Boolean, Solutions, open_store
    from cahr.store.oxigraph import check_syntax
    from cahr.tables import text_table

    layout = Layout.at(args.root)
    media_type = _format(args.format)
    text = query_text(args.query)
    store = open_store(args.dist or layout.dist_dir, args.engine)
    deny_network()  # the embedded engines need no socket: a query that slips past cannot connect
    # Relative IRIs resolve as they would at the endpoint: against its w3id IRI.
    service = BASE + "sparql"
    text = vet(text, store.graphs(), base_iri=service, explain=check_syntax).text
    result = store.query(text, base_iri=service)
    _check_fits(args.format, media_type, result)
    if media_type is None and isinstance(result, Solutions | Boolean):
        print(text_table(result))
        return 0
    sys.stdout.write(write(result, media_type or "text/turtle").body.decode("utf-8"))
    return 0


def query_text(argument: str) -> str:
    """The query ``argument`` stands for: the text of a file it names, or itself.

    See QUERY_ARGUMENT for when it names a file.

    :raises InputError: it names a file that does not exist or cannot be read.
    """
    stripped = argument.strip()
    one_word = not re.search(r"[\s{<]", stripped)
    file_like = not re.search(r"[{\n]", stripped)
    if not (
        (file_like and stripped.lower().endswith(_QUERY_FILE_SUFFIXES))
        or (one_word and not _QUERY_START.match(stripped))
    ):
        return argument
    path = Path(stripped)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such file: {stripped}") from None
    except IsADirectoryError:
        raise InputError(f"{stripped} is a folder, not a query file") from None
    except UnicodeDecodeError:
        raise InputError(f"{stripped} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{stripped}: cannot read: {exc.strerror}") from None


def _format(name: str) -> str | None:
    """The media type ``--format`` names (None for the table).

    :raises InputError: a format name no writer knows.
    """
    from cahr.formats import RDF_TYPES, RESULT_TYPES, media_type_for

    if name.strip().lower() == "table":
        return None
    media_type = media_type_for(name)
    if media_type is None:
        tables = ", ".join(RESULT_TYPES.values())
        graphs = ", ".join(short for short, _rdflib, _ext in RDF_TYPES.values())
        raise InputError(
            f"unknown format {name!r}: choose table, {tables} (SELECT, ASK) "
            f"or {graphs} (CONSTRUCT, DESCRIBE)"
        )
    return media_type


def _check_fits(name: str, media_type: str | None, result: object) -> None:
    """Refuse a format that cannot write this query's kind of result.

    :raises InputError: an RDF format for a table of solutions, or a results
        format for a graph.
    """
    from cahr.formats import RDF_TYPES, RESULT_TYPES
    from cahr.store import Boolean, Triples

    if media_type is None:
        return
    if isinstance(result, Triples) and media_type not in RDF_TYPES:
        graphs = ", ".join(short for short, _rdflib, _ext in RDF_TYPES.values())
        raise InputError(
            f"--format {name} writes SELECT or ASK results, and a CONSTRUCT or DESCRIBE "
            f"query answers with a graph: choose table (Turtle), {graphs}"
        )
    if not isinstance(result, Triples) and media_type not in RESULT_TYPES:
        form = "an ASK" if isinstance(result, Boolean) else "a SELECT"
        tables = ", ".join(RESULT_TYPES.values())
        raise InputError(
            f"--format {name} writes RDF graphs (CONSTRUCT, DESCRIBE), and {form} query "
            f"answers with a table: choose table, {tables}"
        )


if __name__ == "__main__":
    sys.exit(main())
