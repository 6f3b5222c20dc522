"""The ``kg`` command: parse arguments, call one library function, report.

Only this module prints or exits. Exit codes (README, ``kg --help``):
0 built / answered and conforming, 1 SHACL violations, 2 bad input (syntax,
missing file, undeclared term, bad query), 3 internal error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cahr.errors import BuildFailed, CahrError
from cahr.layout import Layout

EPILOG = """exit codes:
  0  built (or answered) and the graph conforms
  1  the graph has SHACL or check violations; dist/ is left untouched
  2  bad input: a syntax error (file:line:column), a missing file, a bad query
  3  internal error
"""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except BuildFailed as exc:
        print(exc.report_text, file=sys.stderr)
        print(f"kg: {exc}", file=sys.stderr)
        return exc.exit_code
    except CahrError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


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

    query = commands.add_parser("query", help="answer a SPARQL query on the built dataset")
    query.add_argument("query", help="the query text, or a .rq file")
    query.add_argument(
        "--format",
        default="table",
        help="table (default), csv, tsv, json, xml; for graphs turtle, nt, jsonld, rdfxml",
    )
    query.add_argument("--dist", type=Path, help="the built dataset (default: ROOT/dist)")
    query.add_argument(
        "--engine",
        default="oxigraph",
        choices=["oxigraph", "rdflib"],
        help="the query engine (default: oxigraph)",
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
    from cahr.formats import media_type_for
    from cahr.iris import BASE
    from cahr.query import vet
    from cahr.results import write
    from cahr.sandbox import deny_network
    from cahr.store import Boolean, Solutions, open_store
    from cahr.store.oxigraph import check_syntax
    from cahr.tables import text_table

    layout = Layout.at(args.root)
    text = args.query
    if text.endswith(".rq") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    store = open_store(args.dist or layout.dist_dir, args.engine)
    deny_network()  # the embedded engines need no socket: a query that slips past cannot connect
    # Relative IRIs resolve as they would at the endpoint: against its w3id IRI.
    service = BASE + "sparql"
    text = vet(text, store.graphs(), base_iri=service, explain=check_syntax).text
    result = store.query(text, base_iri=service)
    if args.format == "table" and isinstance(result, Solutions | Boolean):
        print(text_table(result))
        return 0
    fmt = args.format if args.format != "table" else "turtle"
    media_type = media_type_for(fmt)
    if media_type is None:
        raise CahrError(f"unknown format {fmt!r}")
    sys.stdout.write(write(result, media_type).body.decode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
