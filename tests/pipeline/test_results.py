"""The results writer (``cahr/results.py``): pyoxigraph's own terms and rdflib terms
are written byte for byte alike, in every results format.

The query processes ask the store for ``native`` rows (no rdflib term is made
for each value); ``kg query`` and the pages read rdflib terms. Both must give
the same answer, on the competency questions and on the awkward terms.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cahr.formats import RESULT_TYPES
from cahr.results import write
from cahr.store import Solutions, open_store
from cahr.store.oxigraph import OxigraphStore
from tests.test_competency import QUESTIONS

# Terms a writer can get wrong: a language tag, a typed literal, an explicit
# xsd:string, quotes, backslashes, tabs and line breaks, a blank node, an unbound cell.
AWKWARD = r"""
SELECT ?iri ?plain ?tagged ?typed ?string ?escapes ?blank ?unbound WHERE {
  BIND (<https://w3id.org/cahr/id/kassym-jomart-tokayev> AS ?iri)
  BIND ("plain" AS ?plain)
  BIND ("Астана"@ru AS ?tagged)
  BIND ("2023-12-08"^^<http://www.w3.org/2001/XMLSchema#date> AS ?typed)
  BIND (STR(<urn:x>) AS ?string)
  BIND ("a \"quote\", a \\ and\ta\nbreak" AS ?escapes)
  { SELECT ?blank WHERE { ?x ?y ?blank FILTER (isBlank(?blank)) } ORDER BY STR(?blank) LIMIT 1 }
  OPTIONAL { BIND (1 AS ?never) FILTER (false) }
}"""


@pytest.fixture(scope="module")
def store(dist: Path) -> OxigraphStore:
    opened = open_store(dist)
    assert isinstance(opened, OxigraphStore)
    return opened


def _both(store: OxigraphStore, text: str, media_type: str, max_rows: int | None) -> list[bytes]:
    written = []
    for native in (False, True):
        result = store.query(text, native=native)
        assert isinstance(result, Solutions)
        written.append(write(result, media_type, max_rows=max_rows))
    assert written[0].rows == written[1].rows and written[0].truncated == written[1].truncated
    return [w.body for w in written]


@pytest.mark.parametrize("media_type", list(RESULT_TYPES))
def test_native_rows_are_written_as_rdflib_rows_are(store: OxigraphStore, media_type: str) -> None:
    for path in QUESTIONS:
        text = path.read_text(encoding="utf-8")
        if isinstance(store.query(text), Solutions):
            rdflib_body, native_body = _both(store, text, media_type, max_rows=None)
            assert native_body == rdflib_body, path.name
    rdflib_body, native_body = _both(store, AWKWARD, media_type, max_rows=None)
    assert native_body == rdflib_body
    # A cut result is cut alike.
    every = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    rdflib_body, native_body = _both(store, every, media_type, max_rows=5)
    assert native_body == rdflib_body


def test_awkward_terms_in_json(store: OxigraphStore) -> None:
    result = store.query(AWKWARD, native=True)
    assert isinstance(result, Solutions)
    [row] = json.loads(write(result, "application/sparql-results+json").body)["results"]["bindings"]
    assert row["iri"] == {"type": "uri", "value": "https://w3id.org/cahr/id/kassym-jomart-tokayev"}
    assert row["plain"] == {"type": "literal", "value": "plain"}
    assert row["string"] == {"type": "literal", "value": "urn:x"}
    assert row["tagged"] == {"type": "literal", "value": "Астана", "xml:lang": "ru"}
    assert row["typed"]["datatype"] == "http://www.w3.org/2001/XMLSchema#date"
    assert row["escapes"]["value"] == 'a "quote", a \\ and\ta\nbreak'
    assert row["blank"]["type"] == "bnode" and "unbound" not in row
