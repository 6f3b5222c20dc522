"""The fast OWL RL engine (cahr.pipeline.rules) infers exactly what owlrl infers.

owlrl stays the reference (issue #7): the build's inferred graph must not
change when the engine does. The real graph is compared in full; small graphs
show each rule group at work on our own axioms; random graphs over the whole
OWL RL vocabulary cover the rules our data does not use yet.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from cahr.derivations import Record
from cahr.dist import DERIVATIONS_NAME, read_manifest
from cahr.iris import CAHR, ID
from cahr.layout import Layout
from cahr.pipeline.load import load
from cahr.pipeline.reason import Triple, infer, is_trivial, owlrl_closure, reason
from cahr.pipeline.rules import DERIVATION_RULES, NeedsReference, closure, unimplemented

EX = Namespace("http://example.org/")


def comparable(added: Iterable[Triple]) -> tuple[set[Triple], set[str]]:
    """The derived triples and the error messages, in a form both engines must agree on.

    Reflexive sameAs (eq-ref) is left out, as the fast engine does not materialise
    it; error nodes are fresh blank nodes, so their messages are compared instead.
    """
    triples, messages = set(), set()
    errors = {s for s, p, o in added if p == RDF.type and o == ERRNS.ErrorMessage}
    for s, p, o in added:
        if s in errors:
            if p == ERRNS.error:
                messages.add(str(o))
        elif not (p == OWL.sameAs and s == o):
            triples.add((s, p, o))
    return triples, messages


def assert_same(asserted: list[Triple]) -> set[Triple]:
    """Both engines on ``asserted``; returns the fast engine's triples after the check."""
    fast, reference = comparable(closure(asserted)), comparable(owlrl_closure(asserted))
    missing, extra = reference[0] - fast[0], fast[0] - reference[0]
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])
    assert fast[1] == reference[1]
    return fast[0]


def test_the_real_graph_gets_exactly_owlrls_inferred_graph(layout: Layout) -> None:
    loaded = load(layout)
    asserted = [q[:3] for q in loaded.dataset.quads((None, None, None, None))]
    reference = owlrl_closure(asserted)
    fast = closure(asserted)
    assert comparable(fast) == comparable(reference)
    # and so the inferred graph of the build, after the trivial-entailment filter
    inferred = set(infer(asserted))
    assert inferred == {t for t in reference if not is_trivial(t)}
    assert len(inferred) > 4000  # the comparison is not vacuous


# -- each rule group, on our own ontology ------------------------------------------------

FACTS = """
@prefix cahr: <https://w3id.org/cahr/ontology#> .
@prefix id:   <https://w3id.org/cahr/id/> .
id:aigerim a cahr:Person .
id:minister-of-justice a cahr:PublicPost .
id:aigerim-minister a cahr:PostHolding ;
    cahr:holder id:aigerim ; cahr:heldPost id:minister-of-justice .
id:bolat a cahr:Person .
id:club-chair a cahr:Post .
id:bolat-chair a cahr:PostHolding ; cahr:holder id:bolat ; cahr:heldPost id:club-chair .
id:erlan-ombudsman a cahr:PostHolding ; cahr:holder id:erlan, id:erlan-k .
id:erlan cahr:memberOf id:ombudsman-office .
"""


@pytest.fixture(scope="module")
def scenario(layout: Layout) -> set[Triple]:
    """What the fast engine infers from the ontology plus FACTS (checked against owlrl)."""
    graph = Graph()
    for path in layout.ontology_files():
        graph.parse(path, format="turtle")
    graph.parse(data=FACTS, format="turtle")
    return assert_same(list(graph))


def test_property_chain_and_inverse_give_holds_post(scenario: set[Triple]) -> None:
    # prp-inv1/2: holder is the inverse of hasPostHolding; prp-spo2: the chain
    assert (ID.aigerim, CAHR.hasPostHolding, ID["aigerim-minister"]) in scenario
    assert (ID.aigerim, CAHR.holdsPost, ID["minister-of-justice"]) in scenario
    assert (ID["minister-of-justice"], CAHR.heldBy, ID.aigerim) in scenario


def test_intersection_and_some_values_from_give_official(scenario: set[Triple]) -> None:
    # cls-svf1 types the restriction, cls-int1 the intersection, cax-eqc1 cahr:Official
    assert (ID.aigerim, RDF.type, CAHR.Official) in scenario
    assert (ID.bolat, CAHR.holdsPost, ID["club-chair"]) in scenario
    assert (ID.bolat, RDF.type, CAHR.Official) not in scenario  # a post, not a public post


def test_functional_property_gives_same_as_and_its_consequences(scenario: set[Triple]) -> None:
    # prp-fp on cahr:holder, then eq-sym and eq-rep-s
    assert (ID.erlan, OWL.sameAs, ID["erlan-k"]) in scenario
    assert (ID["erlan-k"], OWL.sameAs, ID.erlan) in scenario
    assert (ID["erlan-k"], CAHR.memberOf, ID["ombudsman-office"]) in scenario


def test_inconsistencies_are_reported_with_owlrls_messages() -> None:
    asserted = [
        (EX.Cat, OWL.disjointWith, EX.Dog),
        (EX.rex, RDF.type, EX.Cat),
        (EX.rex, RDF.type, EX.Dog),
        (EX.n, EX.age, Literal("ten", datatype=XSD.integer)),
    ]
    _triples, messages = comparable(closure(asserted))
    assert messages == comparable(owlrl_closure(asserted))[1]
    assert any("common individual http://example.org/rex" in m for m in messages)


BAD_ONTOLOGY = Path(__file__).resolve().parent.parent / "data" / "ontology" / "unimplemented.ttl"


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_has_key_is_not_in_the_fast_engine_and_owlrl_still_reasons_with_it() -> None:
    key = BNode()
    asserted = [
        (EX.Person, OWL.hasKey, key),
        (key, RDF.first, EX.passport),
        (key, RDF.rest, RDF.nil),
        (EX.a, RDF.type, EX.Person),
    ]
    with pytest.raises(NeedsReference):
        closure(asserted)
    refused = reason(asserted)
    assert len(refused.inferred) == 0
    assert [(i.rule, i.property) for i in refused.inconsistencies] == [
        ("not-implemented", OWL.hasKey)
    ]
    assert owlrl_closure(asserted)  # the reference still reasons with it


def test_axioms_outside_the_rule_set_are_named() -> None:
    graph = Graph().parse(BAD_ONTOLOGY)
    found = {(i.property, i.focus) for i in unimplemented(graph)}
    assert (OWL.hasKey, CAHR.Passport) in found
    assert (OWL.ReflexiveProperty, CAHR.knows) in found
    assert OWL.minCardinality in {p for p, _ in found}
    assert len(found) == 3
    # the real ontology and data use the implemented rule set only
    assert not unimplemented([(RDF.nil, OWL.maxCardinality, Literal(1))])
    assert unimplemented([(RDF.nil, OWL.maxCardinality, Literal(2))])


@pytest.mark.slow
def test_the_build_refuses_an_axiom_it_does_not_implement(project_copy: Layout) -> None:
    """exit 1, and file:line and the axiom for each, so the maintainer knows what to change."""
    import shutil

    target = project_copy.ontology_dir / BAD_ONTOLOGY.name
    shutil.copy(BAD_ONTOLOGY, target)
    result = subprocess.run(
        [sys.executable, "-m", "cahr.cli", "--root", str(project_copy.root), "build"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert not project_copy.dist_dir.exists()
    report = result.stderr + result.stdout
    for text, term in (
        ("owl:hasKey", "owl:hasKey"),
        ("owl:ReflexiveProperty", "owl:ReflexiveProperty"),
        ("owl:minCardinality", "owl:minCardinality"),
    ):
        where = f"ontology/{BAD_ONTOLOGY.name}:{_line_of(target, text)}:"
        line = next((x for x in report.splitlines() if where in x), None)
        assert line is not None, (where, report)
        assert term in line and "does not implement" in line, line


def test_every_inferred_triple_has_a_derivation_that_ends_at_stated_facts(
    layout: Layout,
) -> None:
    """The record is well founded: each premise is asserted or has its own derivation,
    and no derivation rests on what it concludes."""
    loaded = load(layout)
    asserted = {q[:3] for q in loaded.dataset.quads((None, None, None, None))}
    reasoned = reason(asserted)
    record = reasoned.derivations
    assert set(reasoned.inferred) <= set(record)
    depth: dict[Triple, int] = {}

    def depth_of(triple: Triple, path: frozenset[Triple]) -> int:
        if triple in asserted:
            return 0
        assert triple not in path, "a derivation rests on its own conclusion"
        if triple not in depth:
            rule, premises = record[triple]
            assert rule in DERIVATION_RULES, rule
            depth[triple] = 1 + max((depth_of(p, path | {triple}) for p in premises), default=0)
        return depth[triple]

    assert max(depth_of(t, frozenset()) for t in reasoned.inferred) >= 3


def test_the_published_record_is_the_reasoner_s(dist: Path) -> None:
    record = Record(dist / DERIVATIONS_NAME)
    assert len(record) == read_manifest(dist)["derivations"]
    tokayev = ID["kassym-jomart-tokayev"]
    found = record.of((tokayev, CAHR.holdsPost, ID["president-of-kazakhstan"]), lambda n: ())
    assert found is not None and found.rule == "prp-spo2"
    assert (CAHR.holdsPost, OWL.propertyChainAxiom) in {a[:2] for a in found.axioms}


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown reasoning engine"):
        infer([], engine="hermit")  # type: ignore[arg-type]


# -- random graphs over the OWL RL vocabulary ---------------------------------------------

INDIVIDUALS = [EX[f"i{k}"] for k in range(4)]
CLASSES = [EX[f"C{k}"] for k in range(4)] + [OWL.Thing]
PROPERTIES = [EX[f"p{k}"] for k in range(4)]
LITERALS = [
    Literal("x"),
    Literal("1", datatype=XSD.integer),
    Literal("ten", datatype=XSD.integer),
    Literal("2", datatype=XSD.positiveInteger),
]
CHARACTERISTICS = [
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.SymmetricProperty,
    OWL.TransitiveProperty,
    OWL.IrreflexiveProperty,
    OWL.AsymmetricProperty,
    OWL.ObjectProperty,
]
CLASS_AXIOMS = [RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, OWL.complementOf]
PROPERTY_AXIOMS = [
    RDFS.subPropertyOf,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.propertyDisjointWith,
]


@st.composite
def owl_graphs(draw: st.DrawFn) -> list[Triple]:
    """A small graph of facts and axioms, restrictions and list-based axioms included."""
    graph = Graph()
    ind, cls, prop = (
        st.sampled_from(INDIVIDUALS),
        st.sampled_from(CLASSES),
        st.sampled_from(PROPERTIES),
    )

    def rdf_list(items: list[Node]) -> BNode:
        head = BNode()
        Collection(graph, head, items)
        return head

    for _ in range(draw(st.integers(2, 14))):
        kind = draw(st.integers(0, 11))
        if kind <= 2:
            graph.add((draw(ind), draw(prop), draw(st.sampled_from(INDIVIDUALS + LITERALS))))
        elif kind == 3:
            graph.add((draw(ind), RDF.type, draw(cls)))
        elif kind == 4:
            graph.add((draw(cls), draw(st.sampled_from(CLASS_AXIOMS)), draw(cls)))
        elif kind == 5:
            graph.add((draw(prop), draw(st.sampled_from(PROPERTY_AXIOMS)), draw(prop)))
        elif kind == 6:
            graph.add((draw(prop), draw(st.sampled_from([RDFS.domain, RDFS.range])), draw(cls)))
        elif kind == 7:
            graph.add((draw(prop), RDF.type, draw(st.sampled_from(CHARACTERISTICS))))
        elif kind == 8:
            graph.add(
                (draw(ind), draw(st.sampled_from([OWL.sameAs, OWL.differentFrom])), draw(ind))
            )
        elif kind == 9:
            restriction = BNode()
            graph.add((restriction, OWL.onProperty, draw(prop)))
            filler = draw(
                st.sampled_from(
                    [
                        OWL.someValuesFrom,
                        OWL.allValuesFrom,
                        OWL.hasValue,
                        OWL.maxCardinality,
                        OWL.maxQualifiedCardinality,
                    ]
                )
            )
            if filler == OWL.hasValue:
                graph.add((restriction, filler, draw(ind)))
            elif filler in (OWL.maxCardinality, OWL.maxQualifiedCardinality):
                value = Literal(draw(st.integers(0, 1)), datatype=XSD.nonNegativeInteger)
                graph.add((restriction, filler, value))
                graph.add((restriction, OWL.onClass, draw(cls)))
            else:
                graph.add((restriction, filler, draw(cls)))
            graph.add((draw(cls), draw(st.sampled_from(CLASS_AXIOMS[:2])), restriction))
        elif kind == 10:
            axiom = draw(st.sampled_from([OWL.intersectionOf, OWL.unionOf, OWL.oneOf]))
            pool = INDIVIDUALS if axiom == OWL.oneOf else CLASSES
            members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
            graph.add((draw(cls), axiom, rdf_list(members)))
        else:
            chain = draw(st.lists(prop, min_size=1, max_size=3))
            graph.add((draw(prop), OWL.propertyChainAxiom, rdf_list(chain)))
    return list(graph)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(owl_graphs())
def test_random_graphs_get_owlrls_closure(asserted: list[Triple]) -> None:
    assert_same(asserted)


# -- inconsistencies (issue #11, point 8) ------------------------------------------------

INCONSISTENT = {
    "cax-dw": (
        [
            (EX.Cat, OWL.disjointWith, EX.Dog),
            (EX.rex, RDF.type, EX.Cat),
            (EX.rex, RDF.type, EX.Dog),
        ],
        EX.rex,
        None,
    ),
    "prp-irp": ([(EX.p, RDF.type, OWL.IrreflexiveProperty), (EX.a, EX.p, EX.a)], EX.a, EX.p),
    "prp-asyp": (
        [(EX.p, RDF.type, OWL.AsymmetricProperty), (EX.a, EX.p, EX.b), (EX.b, EX.p, EX.a)],
        None,
        EX.p,
    ),
    "cls-nothing2": ([(EX.a, RDF.type, OWL.Nothing)], EX.a, None),
    "eq-diff1": ([(EX.a, OWL.sameAs, EX.b), (EX.a, OWL.differentFrom, EX.b)], None, None),
    "dt-not-type": (
        [(EX.a, EX.n, Literal("ten", datatype=XSD.integer))],
        Literal("ten", datatype=XSD.integer),
        None,
    ),
}


@pytest.mark.parametrize("rule", sorted(INCONSISTENT))
def test_each_inconsistency_is_named_by_its_rule_and_kept_out_of_the_inferred_graph(
    rule: str,
) -> None:
    asserted, focus, prop = INCONSISTENT[rule]
    fast, reference = reason(asserted), reason(asserted, engine="owlrl")
    assert {i.rule for i in fast.inconsistencies} == {rule}
    assert [i.message for i in fast.inconsistencies] == [
        i.message for i in reference.inconsistencies
    ]
    found = fast.inconsistencies[0]
    assert focus is None or found.focus == focus
    assert found.property == prop
    # the messages are owlrl's own, and owlrl's error nodes never reach the inferred graph
    assert {found.message} <= comparable(owlrl_closure(asserted))[1]
    for result in (fast, reference):
        assert not any(str(p).startswith(str(ERRNS)) for _s, p, _o in result.inferred)
        assert not any(o == ERRNS.ErrorMessage for _s, _p, o in result.inferred)


@pytest.mark.parametrize(
    ("datatype", "good", "bad"),
    [
        (XSD.gYear, ["2023", "-0044", "2023Z", "12023"], ["203", "20x3", "02023", "2023-01"]),
        (XSD.gYearMonth, ["2023-12", "2023-01+05:00"], ["2023-13", "2023-1", "2023-00", "2023"]),
        (
            XSD.duration,
            ["P1Y", "PT5H", "-P3M", "PT1.5S", "P1DT2H"],
            ["P", "P1X", "1Y", "P1H"],
        ),
    ],
)
def test_ill_typed_values_of_datatypes_owlrl_does_not_check(
    datatype: Node, good: list[str], bad: list[str]
) -> None:
    asserted = [
        (EX[f"a{i}"], EX.v, Literal(v, datatype=datatype)) for i, v in enumerate(good + bad)
    ]
    found = reason(asserted).inconsistencies
    assert sorted(str(i.focus) for i in found) == sorted(bad)
    assert {i.rule for i in found} == {"dt-not-type"}
    assert comparable(owlrl_closure(asserted))[1] == set()  # owlrl lets them pass


def test_a_functional_property_with_two_data_values_is_inconsistent() -> None:
    # cahr:amount is functional: two amounts are made sameAs, and two numbers cannot be one
    axioms = [(EX.amount, RDF.type, OWL.FunctionalProperty)]
    one, also_one, two = (Literal(v, datatype=XSD.decimal) for v in ("1", "1.0", "2"))
    assert (
        reason([*axioms, (EX.f, EX.amount, one), (EX.f, EX.amount, also_one)]).inconsistencies == []
    )
    asserted = [*axioms, (EX.f, EX.amount, one), (EX.g, EX.amount, two), (EX.f, OWL.sameAs, EX.g)]
    for result in (reason(asserted), reason(asserted, engine="owlrl")):
        assert [(i.rule, i.focus, i.property) for i in result.inconsistencies] == [
            ("prp-fp", EX.f, EX.amount),
            ("prp-fp", EX.g, EX.amount),
        ]
    assert comparable(owlrl_closure(asserted))[1] == set()  # owlrl says nothing
