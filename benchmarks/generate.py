"""Synthetic datasets shaped like ours, at N times the real graph (issue #7).

Each ``kg/<slug>.ttl`` is kept as it is (copy 1, so that 1x is the real graph
and the competency questions that name a resource find it) and copied N - 1
times as ``kg/<slug>-cK.ttl`` (K = 2..N) with the things it mints renamed
(``id:x`` -> ``id:x-cK``, ``src:<slug>`` -> ``src:<slug>-cK``), and its archived
text copied to ``sources/<slug>-cK.txt``, so that every copy passes the same
checks as the original: one slug for file, graph, source IRI and text, and
every quote found in its text. The ontology,
its topics (``id:`` IRIs declared in ``ontology/``), the shapes and the
competency questions are shared, as they would be in a grown graph.

The rewrite is textual, so each copy keeps the curated file's layout, comments
and size, and the load stage parses what a curator would write. String
literals are left alone except ``cahr:sourceText``'s path.

Usage: ``python -m benchmarks.generate FACTOR OUT_DIR [--root PROJECT]``
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

from cahr.layout import Layout

_MINTED = r"https://w3id\.org/cahr/(?:id|source|graph)/"
# One pass over the Turtle text; strings and comments are matched first so that
# nothing inside them is renamed.
_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    rf"|(?P<iri><{_MINTED}(?P<iri_slug>[a-z0-9][a-z0-9-]*)>)"
    r"|(?P<other_iri><[^>\s]*>)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?<![\w:-])(?P<prefix>id|src):(?P<slug>[a-z0-9][a-z0-9-]*)"
)
_SOURCE_TEXT = re.compile(r'^"sources/(?P<slug>[a-z0-9-]+)\.txt"$')


def shared_ids(layout: Layout) -> set[str]:
    """The ``id:`` slugs the ontology declares (topics): shared by every copy, never renamed."""
    slugs: set[str] = set()
    for path in layout.ontology_files():
        for match in _TOKEN.finditer(path.read_text(encoding="utf-8")):
            slug = match.group("slug") or match.group("iri_slug")
            if slug:
                slugs.add(slug)
    return slugs


def rename(text: str, copy: int, keep: set[str]) -> str:
    """The Turtle ``text`` with every minted IRI but ``keep`` suffixed ``-c<copy>``.

    >>> rename('id:astana cahr:in id:topic-x ; cahr:sourceText "sources/a.txt" . # id:b',
    ...        3, {"topic-x"})
    'id:astana-c3 cahr:in id:topic-x ; cahr:sourceText "sources/a-c3.txt" . # id:b'
    """
    suffix = f"-c{copy}"

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group("string"):
            path = _SOURCE_TEXT.match(token)
            return f'"sources/{path.group("slug")}{suffix}.txt"' if path else token
        slug = match.group("slug") or match.group("iri_slug")
        if slug is None or slug in keep:
            return token
        if match.group("prefix"):
            return f"{match.group('prefix')}:{slug}{suffix}"
        return token[:-1] + suffix + ">"

    return _TOKEN.sub(replace, text)


def generate(factor: int, out: Path, root: Path = Path(".")) -> Layout:
    """Write a project folder at ``factor`` times the graph of ``root`` into ``out``.

    :raises FileExistsError: ``out`` exists and is not empty.
    :raises ValueError: ``factor`` is below 1.
    """
    if factor < 1:
        raise ValueError(f"the factor must be at least 1, not {factor}")
    source = Layout.at(root)
    target = Layout.at(out)
    if target.root.exists() and any(target.root.iterdir()):
        raise FileExistsError(f"{target.root} is not empty")
    for folder in (source.ontology_dir, source.shapes_dir):
        shutil.copytree(folder, target.root / folder.name)
    target.kg_dir.mkdir(parents=True)
    target.sources_dir.mkdir(parents=True)
    keep = shared_ids(source)
    for path in source.article_files():
        text = path.read_text(encoding="utf-8")
        archived = source.source_text(path.stem)
        shutil.copyfile(path, target.kg_dir / path.name)
        shutil.copyfile(archived, target.source_text(path.stem))
        for copy in range(2, factor + 1):
            slug = f"{path.stem}-c{copy}"
            (target.kg_dir / f"{slug}.ttl").write_text(rename(text, copy, keep), encoding="utf-8")
            shutil.copyfile(archived, target.source_text(slug))
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("factor", type=int, help="how many copies of each article (>= 1)")
    parser.add_argument("out", type=Path, help="the project folder to write (new or empty)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project to copy")
    args = parser.parse_args(argv)
    layout = generate(args.factor, args.out, args.root)
    print(f"wrote {len(layout.article_files())} articles to {layout.root}")


if __name__ == "__main__":
    main()
