"""OWL 2 RL forward chaining: owlrl's closure, computed semi-naively.

owlrl (the reference engine, kept in :mod:`cahr.pipeline.reason`) applies every
rule to every triple of the graph in each cycle, through rdflib pattern calls;
on our graph that took 8.5 s of a 13 s build and grew with the whole graph at
every cycle. This module applies the same rules, with the same guards, to
integer-coded triples held in two hash indexes, and joins only the triples
that are new in each round with the rest (semi-naive evaluation), so a round
costs what it adds rather than what the graph holds.

The rules are those of the W3C OWL 2 RL/RDF rules table
(https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules)
as owlrl 7.6 implements them for ``OWLRL_Semantics`` with ``axiomatic_triples``,
``datatype_axioms`` and ``rdfs_closure`` off; rule names in comments are the
table's. Where owlrl departs from the table, this module follows owlrl, so
that ``tests/pipeline/test_reasoner.py`` can demand the same inferred graph:

- eq-rep-o replaces the object by the *subject* of the sameAs triple (eq-sym
  makes it the same closure); the dt-* rules see the asserted triples only;
  the consistency rules (cax-dw, prp-irp, eq-diff*, ...) add owlrl's error
  message nodes instead of failing, with owlrl's texts and its off-by-one
  loops in eq-diff2/3 and prp-adp.
- eq-ref (every node ``owl:sameAs`` itself) is not materialised: a reflexive
  sameAs only re-derives itself unless an axiom names ``owl:sameAs`` (then it
  is), and reflexive sameAs is a trivial entailment that never reaches dist/.
- owl:hasKey (prp-key) is not implemented (owlrl's version compares all but
  the last key): :func:`closure` raises :class:`NeedsReference`, and
  :func:`unimplemented` names it, with every other axiom outside the rule set
  (``IMPLEMENTED_PREDICATES``, ``IMPLEMENTED_TYPES``), for the build to refuse.

Each derived triple keeps its first derivation, the rule and the premises it
joined (:func:`reason` returns the lookup); the build publishes them as
``dist/derivations.ttl`` (:mod:`cahr.derivations`). The input is coded in a
canonical order first, so that the derivation kept is the same in every build.

The consistency rules only look at the graph; they run once on the fixpoint,
which gives the messages owlrl collects over its cycles. :func:`closure` adds
them as owlrl's error nodes (the reference comparison); :func:`reason` returns
them as :class:`Inconsistency` values, for the build to fail on, with two
checks owlrl does not make: dt-not-type for xsd:gYear, gYearMonth and
duration (not OWL 2 RL datatypes, but used by our data), and prp-fp on data
values (a functional property such as ``cahr:amount`` with two different
values).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

from owlrl.AxiomaticTriples import OWLRL_Datatypes_Disjointness
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.Namespaces import ERRNS
from owlrl.OWLRL import OWLRL_Annotation_properties
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import BNode, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from cahr.derivations import term_key

Triple = tuple[Node, Node, Node]
_Pairs = list[tuple[int, int]]
_Coded = tuple[int, int, int]
# Why a triple holds: the rule (its name in the W3C table) and the premises it joined.
_Why = tuple[str, tuple[_Coded, ...]]
_Emit = Callable[[_Coded, _Why], object]
_EMPTY: frozenset[int] = frozenset()
# An axiom on an rdf:List (a chain, intersection, union, oneOf): its subject, the list's
# members and its head.
_ListAxiom = tuple[int, list[int], int]

# Constructs that owlrl handles and this module does not; see the docstring.
UNSUPPORTED = (OWL.hasKey,)
# owlrl's list, as a set: membership is tested for every literal.
_RL_DATATYPES = frozenset(OWL_RL_Datatypes)
_TYPE, _SAME_AS = RDF.type, OWL.sameAs  # rdflib namespace attributes are slow to look up
# Datatypes our data uses that are not OWL 2 RL datatypes, so owlrl's dt-not-type skips
# them: their lexical spaces (XML Schema 1.1 Part 2, sections 3.3.6, 3.3.11, 3.3.12), so
# that an ill-typed year or duration fails the build as an ill-typed date does.
_TZ = r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?([1-9]\d{4,}|\d{4})"
_LEXICAL_SPACES = {
    XSD.gYear: re.compile(_YEAR + _TZ),
    XSD.gYearMonth: re.compile(_YEAR + r"-(0[1-9]|1[0-2])" + _TZ),
    XSD.duration: re.compile(
        r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
    ),
}


# The rule set, as vocabulary: the predicates and the rdf:type objects of the OWL and
# RDFS namespaces that the rules below read (or that carry no semantics: annotations
# and ontology headers). Any other term of those namespaces in the input is an axiom
# this engine does not implement; :func:`unimplemented` names it, and the build refuses
# it rather than publish a closure that silently ignores it (docs/ontology.md).
IMPLEMENTED_PREDICATES = frozenset(
    {
        RDF.type, RDF.first, RDF.rest, RDF.value,
        RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
        RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy,
        OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.sameAs,
        OWL.differentFrom, OWL.propertyChainAxiom, OWL.intersectionOf, OWL.unionOf,
        OWL.oneOf, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue,
        OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass, OWL.disjointWith,
        OWL.complementOf, OWL.propertyDisjointWith, OWL.members, OWL.distinctMembers,
        OWL.sourceIndividual, OWL.assertionProperty, OWL.targetIndividual, OWL.targetValue,
        OWL.versionInfo, OWL.versionIRI, OWL.priorVersion, OWL.backwardCompatibleWith,
        OWL.incompatibleWith, OWL.deprecated, OWL.annotatedSource, OWL.annotatedProperty,
        OWL.annotatedTarget,
    }
)  # fmt: skip
IMPLEMENTED_TYPES = frozenset(
    {
        RDFS.Class, RDFS.Datatype, RDFS.Resource, RDF.Property, RDF.List, RDF.Statement,
        OWL.Class, OWL.Restriction, OWL.Thing, OWL.Nothing, OWL.Ontology, OWL.NamedIndividual,
        OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.OntologyProperty,
        OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.SymmetricProperty,
        OWL.TransitiveProperty, OWL.IrreflexiveProperty, OWL.AsymmetricProperty,
        OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.AllDifferent,
        OWL.NegativePropertyAssertion, OWL.Axiom, OWL.DeprecatedClass, OWL.DeprecatedProperty,
    }
)  # fmt: skip
_SCHEMA_NAMESPACES = (str(OWL), str(RDFS), str(RDF))
# The cardinalities OWL 2 RL allows in a max(Qualified)Cardinality restriction.
_RL_CARDINALITIES = {0, 1}
NOT_IMPLEMENTED = "not-implemented"
# The rules this engine applies, by their names in the W3C tables (what a derivation's
# cahr:rule says); docs/ontology.md, "Reasoning", lists them with what each does.
DERIVATION_RULES = frozenset(
    """
    eq-ref eq-sym eq-trans eq-rep-s eq-rep-p eq-rep-o
    prp-ap prp-dom prp-rng prp-fp prp-ifp prp-symp prp-trp prp-spo1 prp-spo2
    prp-eqp1 prp-eqp2 prp-inv1 prp-inv2
    cls-thing cls-nothing1 cls-int1 cls-int2 cls-uni cls-svf1 cls-svf2 cls-avf
    cls-hv1 cls-hv2 cls-maxc2 cls-maxqc3 cls-maxqc4 cls-oo
    cax-sco cax-eqc1 cax-eqc2
    scm-cls scm-sco scm-eqc1 scm-eqc2 scm-op scm-dp scm-spo scm-eqp1 scm-eqp2
    scm-dom1 scm-dom2 scm-rng1 scm-rng2 scm-hv scm-svf1 scm-svf2 scm-avf1 scm-avf2
    scm-int scm-uni
    dt-type1 dt-type2 dt-diff
    """.split()
)
# The consistency rules it checks on the fixpoint (a violation fails the build).
CONSISTENCY_RULES = frozenset(
    """
    eq-diff1 eq-diff2/3 prp-irp prp-asyp prp-pdw prp-adp prp-npa1 prp-npa2 prp-fp
    cls-nothing2 cls-com cls-maxc1 cls-maxqc1/2 cax-dw cax-adc dt-not-type
    """.split()
)


def unimplemented(asserted: Iterable[Triple]) -> list[Inconsistency]:
    """The statements of ``asserted`` that use an axiom this engine does not implement.

    One :class:`Inconsistency` of rule ``not-implemented`` per statement, its
    ``focus`` the statement's subject and ``property`` the unimplemented term.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> [str(u.property) for u in unimplemented([(ex.Person, OWL.hasKey, RDF.nil)])]
    ['http://www.w3.org/2002/07/owl#hasKey']
    """
    found: list[Inconsistency] = []
    for s, p, o in asserted:
        term: Node | None = None
        if p not in IMPLEMENTED_PREDICATES and str(p).startswith(_SCHEMA_NAMESPACES):
            if not str(p).startswith(str(RDF)) or not str(p)[len(str(RDF)) :].startswith("_"):
                term = p  # rdf:_1, rdf:_2 ... are container members, not axioms
        elif p == _TYPE and o not in IMPLEMENTED_TYPES and str(o).startswith(_SCHEMA_NAMESPACES):
            term = o
        elif p in (OWL.maxCardinality, OWL.maxQualifiedCardinality):
            if getattr(o, "value", None) not in _RL_CARDINALITIES:
                term = p
        if term is not None:
            found.append(
                Inconsistency(
                    NOT_IMPLEMENTED,
                    f"{term} is not an axiom the build's OWL RL reasoner implements",
                    s,
                    term,
                )
            )
    return found


class NeedsReference(Exception):
    """The input uses a construct this engine leaves to owlrl (see UNSUPPORTED)."""


@dataclass(frozen=True)
class Inconsistency:
    """One instance of an OWL RL consistency rule (its body holds, its head is false).

    ``message`` is owlrl's text for it; ``focus`` is the resource (or, for
    dt-not-type, the literal) a maintainer must look at, ``property`` the
    property involved, if any; ``classes`` the classes of a class rule (cax-dw, ...),
    so that the statement typing ``focus`` can be found.
    """

    rule: str
    message: str
    focus: Node
    property: Node | None = None
    classes: tuple[Node, ...] = ()  # the classes ``focus`` must not belong to together


def closure(asserted: Iterable[Triple]) -> set[Triple]:
    """The triples owlrl's OWL RL closure adds to ``asserted``, error nodes included.

    :raises NeedsReference: ``asserted`` uses an UNSUPPORTED construct.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> added = closure([(ex.Cat, RDFS.subClassOf, ex.Animal), (ex.tom, RDF.type, ex.Cat)])
    >>> (ex.tom, RDF.type, ex.Animal) in added
    True
    """
    reasoner = _Reasoner(asserted)
    added = reasoner.run()
    # owlrl's own error nodes only: the checks beyond owlrl (reason() runs them) are not
    # part of the closure it is compared with.
    for inconsistency in reasoner.inconsistencies():
        node = BNode()
        added.add((node, RDF.type, ERRNS.ErrorMessage))
        added.add((node, ERRNS.error, Literal(inconsistency.message)))
    return added


Why = tuple[str, tuple[Triple, ...]]


def reason(
    asserted: Iterable[Triple],
) -> tuple[set[Triple], list[Inconsistency], Callable[[Triple], Why | None]]:
    """What the closure adds to ``asserted`` (no error nodes), the inconsistencies in it,
    and how each added triple was derived.

    The third value maps a derived triple to the rule (its name in the W3C table)
    and the premises of its first derivation, every one of them asserted or
    derived in an earlier round (so following premises ends at ``asserted``);
    None for a triple that was not derived.

    :raises NeedsReference: ``asserted`` uses an UNSUPPORTED construct.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> _, _, why = reason([(ex.Cat, RDFS.subClassOf, ex.Animal), (ex.tom, RDF.type, ex.Cat)])
    >>> rule, premises = why((ex.tom, RDF.type, ex.Animal))
    >>> rule, (ex.Cat, RDFS.subClassOf, ex.Animal) in premises
    ('cax-sco', True)
    """
    reasoner = _Reasoner(asserted)
    added = reasoner.run()
    return added, _every_inconsistency(reasoner), reasoner.derivation


def ill_typed_beyond_owlrl(asserted: Iterable[Triple]) -> list[Inconsistency]:
    """dt-not-type for the datatypes owlrl does not check (xsd:gYear, gYearMonth, duration).

    >>> ill_typed_beyond_owlrl([(RDF.nil, RDF.value, Literal("2023-13", datatype=XSD.gYearMonth))])[0].rule
    'dt-not-type'
    """
    found: dict[Node, Inconsistency] = {}
    for _s, _p, o in asserted:
        if isinstance(o, Literal) and o.datatype in _LEXICAL_SPACES and o not in found:
            if not _LEXICAL_SPACES[o.datatype].fullmatch(str(o)):
                message = (
                    f"Lexical value of the literal '{o}' does not match its datatype ({o.datatype})"
                )
                found[o] = Inconsistency("dt-not-type", message, o)
    return list(found.values())


def inconsistencies(asserted: Iterable[Triple], added: Iterable[Triple]) -> list[Inconsistency]:
    """The consistency rules on a closure computed elsewhere (owlrl's, for UNSUPPORTED input).

    :param asserted: the input of the closure (dt-not-type looks at these only).
    :param added: what the closure added to it.
    """
    reasoner = _Reasoner(asserted, check_only=True)
    reasoner._merge(reasoner.coded)
    reasoner._merge((reasoner.code(s), reasoner.code(p), reasoner.code(o)) for s, p, o in added)
    return _every_inconsistency(reasoner)


def _every_inconsistency(reasoner: _Reasoner) -> list[Inconsistency]:
    """owlrl's consistency rules on the reasoner's fixpoint, then the checks beyond owlrl."""
    return (
        reasoner.inconsistencies()
        + reasoner.functional_value_clashes()
        + ill_typed_beyond_owlrl(reasoner.asserted)
    )


def _canonical_order(asserted: Iterable[Triple]) -> list[Triple]:
    """``asserted`` sorted by the terms' stable names (:func:`cahr.derivations.term_key`).

    The terms are coded as integers in this order, and the rules visit integer sets
    in an order that follows from the codes: so the derivation kept for each triple
    (the first found) is the same from build to build, whatever order rdflib gave
    the input in, and whatever labels it gave its blank nodes.
    """
    triples = list(asserted)
    about: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        if isinstance(s, BNode):
            about[s].append((p, o))
    keys: dict[Node, str] = {}

    def key(term: Node) -> str:
        found = keys.get(term)
        if found is None:
            found = keys[term] = term_key(term, lambda node: about.get(node, ()))
        return found

    return sorted(triples, key=lambda t: (key(t[0]), key(t[1]), key(t[2])))


def _differ(a: Node, b: Node) -> bool:
    """True for two literals with different data values ("1"^^xsd:decimal is "1.0")."""
    assert isinstance(a, Literal) and isinstance(b, Literal)
    if a.ill_typed or b.ill_typed or a.value is None or b.value is None:
        return bool(a != b)  # no value to compare (dt-not-type reports an ill-typed one)
    if isinstance(a.value, str) != isinstance(b.value, str):
        return True
    return bool(a.value != b.value or (a.language or "") != (b.language or ""))


class _Store:
    """Integer triples indexed both ways by predicate: p -> s -> {o} and p -> o -> {s}.

    Every rule body is a lookup with the predicate bound, so two indexes suffice;
    rules that need "every triple of subject s" (eq-rep-*) loop over predicates.
    """

    __slots__ = ("so", "os")

    def __init__(self) -> None:
        self.so: dict[int, dict[int, set[int]]] = defaultdict(dict)
        self.os: dict[int, dict[int, set[int]]] = defaultdict(dict)

    def add(self, s: int, p: int, o: int) -> bool:
        """Add a triple; False if it was there already."""
        by_s = self.so[p]
        objects = by_s.get(s)
        if objects is None:
            by_s[s] = {o}
        elif o in objects:
            return False
        else:
            objects.add(o)
        by_o = self.os[p]
        subjects = by_o.get(o)
        if subjects is None:
            by_o[o] = {s}
        else:
            subjects.add(s)
        return True

    def has(self, s: int, p: int, o: int) -> bool:
        by_s = self.so.get(p)
        if by_s is None:
            return False
        objects = by_s.get(s)
        return objects is not None and o in objects

    def objects(self, s: int, p: int) -> set[int] | frozenset[int]:
        by_s = self.so.get(p)
        return by_s.get(s, _EMPTY) if by_s is not None else _EMPTY

    def subjects(self, p: int, o: int) -> set[int] | frozenset[int]:
        by_o = self.os.get(p)
        return by_o.get(o, _EMPTY) if by_o is not None else _EMPTY

    def pairs(self, p: int) -> Iterator[tuple[int, int]]:
        for s, objects in self.so.get(p, {}).items():
            for o in objects:
                yield s, o


class _Reasoner:
    """One closure computation: terms coded as ints, rounds until nothing is new."""

    def __init__(self, asserted: Iterable[Triple], check_only: bool = False) -> None:
        self.ids: dict[Node, int] = {}
        self.terms: list[Node] = []
        self.literals: set[int] = set()
        self.store = _Store()
        self.why: dict[_Coded, _Why] = {}
        self.asserted = _canonical_order(asserted)
        code = self.code
        self.coded = [(code(s), code(p), code(o)) for s, p, o in self.asserted]
        if not check_only and any(term in self.ids for term in UNSUPPORTED):
            raise NeedsReference(", ".join(str(t) for t in UNSUPPORTED if t in self.ids))
        v = self.code
        self.TYPE, self.SUB, self.EQC = v(RDF.type), v(RDFS.subClassOf), v(OWL.equivalentClass)
        self.SUBP, self.EQP = v(RDFS.subPropertyOf), v(OWL.equivalentProperty)
        self.DOMAIN, self.RANGE, self.INV = v(RDFS.domain), v(RDFS.range), v(OWL.inverseOf)
        self.SAME, self.CHAIN = v(OWL.sameAs), v(OWL.propertyChainAxiom)
        self.INTER, self.UNION, self.ONEOF = v(OWL.intersectionOf), v(OWL.unionOf), v(OWL.oneOf)
        self.ONP, self.SVF, self.AVF = (
            v(OWL.onProperty),
            v(OWL.someValuesFrom),
            v(OWL.allValuesFrom),
        )
        self.HV, self.MAXC = v(OWL.hasValue), v(OWL.maxCardinality)
        self.MAXQC, self.ONCLASS = v(OWL.maxQualifiedCardinality), v(OWL.onClass)
        self.FP, self.IFP = v(OWL.FunctionalProperty), v(OWL.InverseFunctionalProperty)
        self.SYMP, self.TRP = v(OWL.SymmetricProperty), v(OWL.TransitiveProperty)
        self.CLASS, self.THING, self.NOTHING = v(OWL.Class), v(OWL.Thing), v(OWL.Nothing)
        self.OBJECT_PROPERTY = v(OWL.ObjectProperty)
        self.PROPERTY_TYPES = {self.OBJECT_PROPERTY, v(OWL.DatatypeProperty), v(RDF.Property)}
        self.FIRST, self.REST = v(RDF.first), v(RDF.rest)
        self.LIST_AXIOMS = {self.CHAIN, self.INTER, self.UNION, self.ONEOF}
        self.RESTRICTION = {
            self.ONP,
            self.SVF,
            self.AVF,
            self.HV,
            self.MAXC,
            self.MAXQC,
            self.ONCLASS,
        }
        self.CHARACTERISTICS = {self.FP, self.IFP, self.SYMP, self.TRP}
        # eq-ref matters only where an axiom names owl:sameAs itself (see the module docstring).
        self.eq_ref = any(self.SAME in (s, o) for s, _p, o in self.coded)
        # A list node can gain a second rdf:first through sameAs; rdflib's Graph.items (and so
        # owlrl) reads the first one inserted, which is the asserted one.
        self.links: dict[tuple[int, int], int] = {}
        for s, p, o in self.coded:
            if p == self.FIRST or p == self.REST:
                self.links.setdefault((s, p), o)

    def code(self, term: Node) -> int:
        """The integer of ``term``, allocated on first sight."""
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
            if isinstance(term, Literal):
                self.literals.add(found)
        return found

    def derivation(self, triple: Triple) -> Why | None:
        """The rule and premises that first derived ``triple`` (None: not derived)."""
        ids = self.ids
        try:
            coded = (ids[triple[0]], ids[triple[1]], ids[triple[2]])
        except KeyError:
            return None
        found = self.why.get(coded)
        if found is None:
            return None
        t = self.terms
        return found[0], tuple((t[s], t[p], t[o]) for s, p, o in found[1])

    # -- the fixpoint -------------------------------------------------------------------

    def run(self) -> set[Triple]:
        """Round after round until nothing is new; the derived triples.

        Each new triple's first derivation is kept in ``self.why``: its premises
        were all known before the round that derived it, so following premises
        always ends at asserted triples, in as few rounds as the triple took.
        """
        derived: set[_Coded] = set()
        asserted = self._merge(self.coded, None)
        delta = self._merge(self._one_time(), derived)
        for p, pairs in asserted.items():  # the first round joins everything
            delta[p].extend(pairs)
        first_round = True
        while delta:
            lists_changed = first_round or self.FIRST in delta or self.REST in delta
            out: dict[_Coded, _Why] = {}
            self._round(delta, out.setdefault, lists_changed)
            delta = self._merge(out, derived)
            first_round = False
        terms = self.terms
        added = {(terms[s], terms[p], terms[o]) for s, p, o in derived}
        # owlrl's post-processing drops generalised triples with a blank-node predicate.
        return {t for t in added if not isinstance(t[1], BNode)}

    def _merge(
        self, out: Iterable[_Coded] | dict[_Coded, _Why], derived: set[_Coded] | None = None
    ) -> dict[int, _Pairs]:
        """Add the new triples of a round; return them grouped by predicate (the next delta).

        :param derived: where the new triples are recorded as derived (None: asserted),
            with their derivation from ``out`` when it is a dict.
        """
        delta: dict[int, _Pairs] = defaultdict(list)
        add, literals = self.store.add, self.literals
        why = out if isinstance(out, dict) else None
        for s, p, o in out:
            if p in literals:  # owlrl's store_triple refuses a literal predicate
                continue
            if add(s, p, o):
                if derived is not None:
                    derived.add((s, p, o))
                    if why is not None:
                        self.why[(s, p, o)] = why[(s, p, o)]
                delta[p].append((s, o))
        return delta

    def _one_time(self) -> dict[_Coded, _Why]:
        """cls-thing, cls-nothing1, prp-ap and the dt-* rules, on the asserted triples.

        Step by step as owlrl's ``_one_time_rules_datatypes``, quirks included: a
        sameAs to a resource typed by a datatype adds that resource as a "datatype".
        """
        v, TYPE = self.code, self.TYPE
        out: dict[_Coded, _Why] = {}
        emit = out.setdefault
        emit((self.THING, TYPE, self.CLASS), ("cls-thing", ()))
        emit((self.NOTHING, TYPE, self.CLASS), ("cls-nothing1", ()))
        annotation = v(OWL.AnnotationProperty)
        for a in OWLRL_Annotation_properties:
            emit((v(a), TYPE, annotation), ("prp-ap", ()))
        datatype = v(RDFS.Datatype)
        implicit: dict[Node, Node] = {
            o: o.datatype
            for _s, _p, o in self.asserted
            if isinstance(o, Literal) and o.datatype is not None and o.datatype in _RL_DATATYPES
        }
        used = set(implicit.values())
        for lt, dt in implicit.items():
            emit((v(lt), TYPE, v(dt)), ("dt-type2", ()))
        explicit: dict[Node, set[Node]] = defaultdict(set)
        for s, p, o in self.asserted:
            if p == _TYPE and o in _RL_DATATYPES:
                used.add(o)
                if s not in implicit:
                    explicit[s].add(o)
        for s, p, o in self.asserted:
            if p == _SAME_AS:
                if o in implicit:
                    explicit[s].add(implicit[o])
                if o in explicit:
                    explicit[s].add(o)
                if s in explicit:
                    explicit[o].add(s)
        for dt in OWL_RL_Datatypes:
            emit((v(dt), TYPE, datatype), ("dt-type1", ()))
        for dts in explicit.values():
            for dt in dts:
                emit((v(dt), TYPE, datatype), ("dt-type1", ()))
        for node, dt in [(r, dt) for r, dts in explicit.items() for dt in dts] + list(
            implicit.items()
        ):
            for super_dt in OWL_Datatype_Subsumptions.get(dt, ()):
                emit((v(node), TYPE, v(super_dt)), ("dt-type2", ()))
                emit((v(super_dt), TYPE, datatype), ("dt-type1", ()))
                used.add(super_dt)
        for left, pred, right in OWLRL_Datatypes_Disjointness:
            if left in used and right in used:
                emit((v(left), v(pred), v(right)), ("dt-diff", ()))
        return out

    def _round(self, delta: dict[int, _Pairs], emit: _Emit, lists_changed: bool) -> None:
        """Every rule instance with at least one premise in ``delta``, to ``emit``."""
        st = self.store
        TYPE = self.TYPE
        chains = self._list_axioms(self.CHAIN)
        by_member: dict[int, list[_ListAxiom]] = defaultdict(list)
        for q, members, head in chains:
            for member in set(members):
                by_member[member].append((q, members, head))
        intersections = self._list_axioms(self.INTER)
        unions = self._list_axioms(self.UNION)
        same_used = self.SAME in st.so and bool(st.so[self.SAME])

        for p, pairs in delta.items():
            self._property_rules(p, pairs, by_member.get(p, ()), emit)
            if same_used or self.eq_ref:
                self._equality_data(p, pairs, emit)
            if p == TYPE:
                self._type_rules(pairs, intersections, unions, emit)
            self._schema_rules(p, pairs, emit)
        # Axioms built on rdf:List are (re)evaluated whole when they or any list are new.
        fresh = {p: {s for s, _o in delta.get(p, ())} for p in self.LIST_AXIOMS}
        for q, members, head in chains:
            if lists_changed or q in fresh[self.CHAIN]:
                self._chain_all(q, members, head, emit)
        for c, members, head in intersections:
            if lists_changed or c in fresh[self.INTER]:
                self._intersection_all(c, members, head, emit)
        for c, members, head in unions:
            if lists_changed or c in fresh[self.UNION]:
                axiom = (c, self.UNION, head)
                for ci in members:
                    emit((ci, self.SUB, c), ("scm-uni", (axiom,)))
                    for y in st.subjects(TYPE, ci):
                        emit((y, TYPE, c), ("cls-uni", (axiom, (y, TYPE, ci))))
        for c, members, head in self._list_axioms(self.ONEOF):
            if lists_changed or c in fresh[self.ONEOF]:
                for y in members:
                    emit((y, TYPE, c), ("cls-oo", ((c, self.ONEOF, head),)))
        restrictions = {s for p in self.RESTRICTION for s, _o in delta.get(p, ())}
        for xx in restrictions:
            self._restriction_all(xx, emit)
        if any(p in delta for p in (self.SUB, self.SUBP, self.ONP, self.SVF, self.AVF, self.HV)):
            self._schema_restrictions(emit)

    # -- Table 5: properties --------------------------------------------------------------

    def _property_rules(
        self, p: int, pairs: _Pairs, chains: Iterable[_ListAxiom], emit: _Emit
    ) -> None:
        """prp-dom, prp-rng, prp-spo1/2, prp-eqp1/2, prp-inv1/2, prp-symp, prp-trp, prp-fp,
        prp-ifp and the restriction rules keyed on a property, for new triples of ``p``."""
        st, TYPE, SAME = self.store, self.TYPE, self.SAME
        for c in st.objects(p, self.DOMAIN):
            axiom = (p, self.DOMAIN, c)
            for x, y in pairs:
                emit((x, TYPE, c), ("prp-dom", (axiom, (x, p, y))))
        for c in st.objects(p, self.RANGE):
            axiom = (p, self.RANGE, c)
            for x, y in pairs:
                emit((y, TYPE, c), ("prp-rng", (axiom, (x, p, y))))
        for p2 in st.objects(p, self.SUBP):
            if p2 != p:  # scm-op makes every property its own sub-property: nothing new
                axiom = (p, self.SUBP, p2)
                for x, y in pairs:
                    emit((x, p2, y), ("prp-spo1", (axiom, (x, p, y))))
        for rule, axioms in (
            ("prp-eqp1", [(p, self.EQP, p2) for p2 in st.objects(p, self.EQP)]),
            ("prp-eqp2", [(p2, self.EQP, p) for p2 in st.subjects(self.EQP, p)]),
        ):
            for axiom in axioms:
                p2 = axiom[2] if axiom[0] == p else axiom[0]
                if p2 != p:
                    for x, y in pairs:
                        emit((x, p2, y), (rule, (axiom, (x, p, y))))
        for rule, axioms in (
            ("prp-inv1", [(p, self.INV, p2) for p2 in st.objects(p, self.INV)]),
            ("prp-inv2", [(p2, self.INV, p) for p2 in st.subjects(self.INV, p)]),
        ):
            for axiom in axioms:
                p2 = axiom[2] if rule == "prp-inv1" else axiom[0]
                for x, y in pairs:
                    emit((y, p2, x), (rule, (axiom, (x, p, y))))
        if st.has(p, TYPE, self.SYMP):
            axiom = (p, TYPE, self.SYMP)
            for x, y in pairs:
                emit((y, p, x), ("prp-symp", (axiom, (x, p, y))))
        if st.has(p, TYPE, self.TRP):
            axiom = (p, TYPE, self.TRP)
            for x, y in pairs:
                for z in st.objects(y, p):
                    emit((x, p, z), ("prp-trp", (axiom, (x, p, y), (y, p, z))))
                for w in st.subjects(p, x):
                    emit((w, p, y), ("prp-trp", (axiom, (w, p, x), (x, p, y))))
        if st.has(p, TYPE, self.FP):
            axiom = (p, TYPE, self.FP)
            for x, y in pairs:
                for y2 in st.objects(x, p):
                    if y2 != y:
                        why = ("prp-fp", (axiom, (x, p, y), (x, p, y2)))
                        emit((y, SAME, y2), why)
                        emit((y2, SAME, y), why)
        if st.has(p, TYPE, self.IFP):
            axiom = (p, TYPE, self.IFP)
            for x, y in pairs:
                for x2 in st.subjects(p, y):
                    if x2 != x:
                        why = ("prp-ifp", (axiom, (x, p, y), (x2, p, y)))
                        emit((x, SAME, x2), why)
                        emit((x2, SAME, x), why)
        for q, members, head in chains:  # prp-spo2, from a new link anywhere in the chain
            axiom = (q, self.CHAIN, head)
            for i in (i for i, m in enumerate(members) if m == p):
                for x, y in pairs:
                    for left, before in self._paths(x, members[:i][::-1], backwards=True).items():
                        after = self._paths(y, members[i + 1 :], backwards=False)
                        for right, steps in after.items():
                            premises = (axiom, *before, (x, p, y), *steps)
                            emit((left, q, right), ("prp-spo2", premises))
        for xx in st.subjects(self.ONP, p):
            self._restriction_on_triples(xx, p, pairs, emit)

    def _paths(self, start: int, path: list[int], backwards: bool) -> dict[int, tuple[_Coded, ...]]:
        """The nodes reached from ``start`` along ``path`` (against the arrows if
        ``backwards``), each with the first run of triples found to reach it, in
        the chain's order."""
        st = self.store
        nodes: dict[int, tuple[_Coded, ...]] = {start: ()}
        for p in path:
            step: dict[int, tuple[_Coded, ...]] = {}
            for node, steps in nodes.items():
                if backwards:
                    for prev in st.subjects(p, node):
                        step.setdefault(prev, ((prev, p, node), *steps))
                else:
                    for nxt in st.objects(node, p):
                        step.setdefault(nxt, (*steps, (node, p, nxt)))
            if not step:
                return step
            nodes = step
        return nodes

    def _chain_all(self, q: int, members: list[int], head: int, emit: _Emit) -> None:
        """prp-spo2 for a whole chain axiom."""
        if not members:
            return
        axiom = (q, self.CHAIN, head)
        first = members[0]
        for u1, z in list(self.store.pairs(first)):
            for un, steps in self._paths(z, members[1:], backwards=False).items():
                emit((u1, q, un), ("prp-spo2", (axiom, (u1, first, z), *steps)))

    def _characteristics_all(self, p: int, kind: int, emit: _Emit) -> None:
        """prp-fp, prp-ifp, prp-symp, prp-trp for a property newly given that characteristic."""
        st, SAME = self.store, self.SAME
        axiom = (p, self.TYPE, kind)
        if kind == self.SYMP:
            for x, y in st.pairs(p):
                emit((y, p, x), ("prp-symp", (axiom, (x, p, y))))
        elif kind == self.TRP:
            for x, y in st.pairs(p):
                for z in st.objects(y, p):
                    emit((x, p, z), ("prp-trp", (axiom, (x, p, y), (y, p, z))))
        elif kind == self.FP:
            for x, objects in st.so.get(p, {}).items():
                for y1 in objects:
                    for y2 in objects:
                        if y1 != y2:
                            emit((y1, SAME, y2), ("prp-fp", (axiom, (x, p, y1), (x, p, y2))))
        elif kind == self.IFP:
            for y, subjects in st.os.get(p, {}).items():
                for x1 in subjects:
                    for x2 in subjects:
                        if x1 != x2:
                            emit((x1, SAME, x2), ("prp-ifp", (axiom, (x1, p, y), (x2, p, y))))

    # -- Table 4: equality -------------------------------------------------------------

    def _equality_data(self, p: int, pairs: _Pairs, emit: _Emit) -> None:
        """eq-ref and the eq-rep-* rules with a new triple as the replaced one."""
        st, SAME = self.store, self.SAME
        for x, y in pairs:
            if self.eq_ref:
                why = ("eq-ref", ((x, p, y),))
                emit((x, SAME, x), why)
                emit((y, SAME, y), why)
                emit((p, SAME, p), why)
            for x2 in st.objects(x, SAME):
                emit((x2, p, y), ("eq-rep-s", ((x, SAME, x2), (x, p, y))))
            for y2 in st.subjects(SAME, y):  # owlrl: the sameAs subject
                emit((x, p, y2), ("eq-rep-o", ((y2, SAME, y), (x, p, y))))
        for p2 in st.objects(p, SAME):
            for x, y in pairs:
                emit((x, p2, y), ("eq-rep-p", ((p, SAME, p2), (x, p, y))))

    def _same_as(self, pairs: _Pairs, emit: _Emit) -> None:
        """eq-sym, eq-trans and eq-rep-* with a new sameAs triple as the premise."""
        st, SAME = self.store, self.SAME
        for x, y in pairs:
            same = (x, SAME, y)
            emit((y, SAME, x), ("eq-sym", (same,)))
            for z in st.objects(y, SAME):
                emit((x, SAME, z), ("eq-trans", (same, (y, SAME, z))))
            for w in st.subjects(SAME, x):
                emit((w, SAME, y), ("eq-trans", ((w, SAME, x), same)))
            for p, by_s in list(st.so.items()):
                for o in by_s.get(x, ()):
                    emit((y, p, o), ("eq-rep-s", (same, (x, p, o))))
                if p == x:
                    for s, objects in list(by_s.items()):
                        for o in objects:
                            emit((s, y, o), ("eq-rep-p", (same, (s, x, o))))
            for p, by_o in list(st.os.items()):
                for s in by_o.get(y, ()):
                    emit((s, p, x), ("eq-rep-o", (same, (s, p, y))))

    # -- Tables 6 and 7: classes and class axioms -----------------------------------------

    def _type_rules(
        self,
        pairs: _Pairs,
        intersections: list[_ListAxiom],
        unions: list[_ListAxiom],
        emit: _Emit,
    ) -> None:
        """cax-sco, cax-eqc1/2, cls-int1/2, cls-uni and the restriction rules, for new types."""
        st, TYPE = self.store, self.TYPE
        inter_member: dict[int, list[_ListAxiom]] = defaultdict(list)
        inter_of: dict[int, list[_ListAxiom]] = defaultdict(list)
        for list_axiom in intersections:
            inter_of[list_axiom[0]].append(list_axiom)
            for m in set(list_axiom[1]):
                inter_member[m].append(list_axiom)
        union_member: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for c, members, head in unions:
            for m in set(members):
                union_member[m].append((c, head))
        by_class: dict[int, list[int]] = defaultdict(list)
        for x, c in pairs:
            by_class[c].append(x)
        for c, xs in by_class.items():
            for c2 in st.objects(c, self.SUB):
                if c2 != c:
                    axiom = (c, self.SUB, c2)
                    for x in xs:
                        emit((x, TYPE, c2), ("cax-sco", (axiom, (x, TYPE, c))))
            for c2 in st.objects(c, self.EQC):
                if c2 != c:
                    axiom = (c, self.EQC, c2)
                    for x in xs:
                        emit((x, TYPE, c2), ("cax-eqc1", (axiom, (x, TYPE, c))))
            for c2 in st.subjects(self.EQC, c):
                if c2 != c:
                    axiom = (c2, self.EQC, c)
                    for x in xs:
                        emit((x, TYPE, c2), ("cax-eqc2", (axiom, (x, TYPE, c))))
            for ic, members, head in inter_member.get(c, ()):
                for x in xs:
                    if all(st.has(x, TYPE, m) for m in members):
                        premises = ((ic, self.INTER, head), *((x, TYPE, m) for m in members))
                        emit((x, TYPE, ic), ("cls-int1", premises))
            for _c, members, head in inter_of.get(c, ()):
                axiom = (c, self.INTER, head)
                for x in xs:
                    for m in members:
                        emit((x, TYPE, m), ("cls-int2", (axiom, (x, TYPE, c))))
            for uc, head in union_member.get(c, ()):
                axiom = (uc, self.UNION, head)
                for x in xs:
                    emit((x, TYPE, uc), ("cls-uni", (axiom, (x, TYPE, c))))
            for xx in st.subjects(self.SVF, c):  # cls-svf1, the filler's type is new
                for pp in st.objects(xx, self.ONP):
                    axioms = ((xx, self.SVF, c), (xx, self.ONP, pp))
                    for x in xs:
                        for u in st.subjects(pp, x):
                            emit((u, TYPE, xx), ("cls-svf1", (*axioms, (u, pp, x), (x, TYPE, c))))
            if st.objects(c, self.ONP):  # c is a restriction: its members are new
                self._restriction_on_members(c, xs, emit)
            for xx in st.subjects(self.ONCLASS, c):  # cls-maxqc3, a new value of class cc
                value, card = self._cardinality(xx, self.MAXQC)
                if value == 1:
                    for pp in st.objects(xx, self.ONP):
                        for y1 in xs:
                            for u in st.subjects(pp, y1):
                                if st.has(u, TYPE, xx):
                                    given = (
                                        card,
                                        (xx, self.ONP, pp),
                                        (xx, self.ONCLASS, c),
                                        (u, TYPE, xx),
                                    )
                                    self._same_values(u, pp, y1, c, given, emit)
            if c in self.CHARACTERISTICS:
                for x in xs:
                    self._characteristics_all(x, c, emit)
            if c == self.CLASS:
                for x in xs:
                    why = ("scm-cls", ((x, TYPE, c),))
                    emit((x, self.SUB, x), why)
                    emit((x, self.EQC, x), why)
                    emit((x, self.SUB, self.THING), why)
                    emit((self.NOTHING, self.SUB, x), why)
            if c in self.PROPERTY_TYPES:  # owlrl adds rdf:Property
                rule = "scm-op" if c == self.OBJECT_PROPERTY else "scm-dp"
                for x in xs:
                    why = (rule, ((x, TYPE, c),))
                    emit((x, self.SUBP, x), why)
                    emit((x, self.EQP, x), why)

    def _intersection_all(self, c: int, members: list[int], head: int, emit: _Emit) -> None:
        """scm-int, cls-int1 and cls-int2 for a whole intersectionOf axiom."""
        st, TYPE = self.store, self.TYPE
        axiom = (c, self.INTER, head)
        for ci in members:
            emit((c, self.SUB, ci), ("scm-int", (axiom,)))
        if members:
            for y in st.subjects(TYPE, members[0]):
                if all(st.has(y, TYPE, m) for m in members[1:]):
                    premises = (axiom, *((y, TYPE, m) for m in members))
                    emit((y, TYPE, c), ("cls-int1", premises))
        for y in st.subjects(TYPE, c):
            for ci in members:
                emit((y, TYPE, ci), ("cls-int2", (axiom, (y, TYPE, c))))

    def _cardinality(self, xx: int, prop: int) -> tuple[object, _Coded]:
        """The value of ``xx``'s cardinality literal (owlrl compares ``.value``), and
        the axiom that gives it."""
        for n in self.store.objects(xx, prop):
            return getattr(self.terms[n], "value", None), (xx, prop, n)
        return None, (xx, prop, -1)

    def _restriction_on_triples(self, xx: int, pp: int, pairs: _Pairs, emit: _Emit) -> None:
        """cls-svf1/2, cls-hv2, cls-avf, cls-maxc2, cls-maxqc3/4 for new triples of ``pp``."""
        st, TYPE = self.store, self.TYPE
        on = (xx, self.ONP, pp)
        for y in st.objects(xx, self.SVF):
            axioms = (on, (xx, self.SVF, y))
            for u, v in pairs:
                if y == self.THING:
                    emit((u, TYPE, xx), ("cls-svf2", (*axioms, (u, pp, v))))
                elif st.has(v, TYPE, y):
                    emit((u, TYPE, xx), ("cls-svf1", (*axioms, (u, pp, v), (v, TYPE, y))))
        for y in st.objects(xx, self.HV):
            axioms = (on, (xx, self.HV, y))
            for u, v in pairs:
                if v == y:
                    emit((u, TYPE, xx), ("cls-hv2", (*axioms, (u, pp, v))))
        for y in st.objects(xx, self.AVF):
            axioms = (on, (xx, self.AVF, y))
            for u, v in pairs:
                if st.has(u, TYPE, xx):
                    emit((v, TYPE, y), ("cls-avf", (*axioms, (u, TYPE, xx), (u, pp, v))))
        value, card = self._cardinality(xx, self.MAXC)
        if value == 1:
            for u, y1 in pairs:
                if st.has(u, TYPE, xx):
                    self._same_values(u, pp, y1, None, (card, on, (u, TYPE, xx)), emit)
        value, card = self._cardinality(xx, self.MAXQC)
        if value == 1:
            for cc in st.objects(xx, self.ONCLASS):
                qualified: tuple[_Coded, ...] = (card, on, (xx, self.ONCLASS, cc))
                for u, y1 in pairs:
                    if st.has(u, TYPE, xx):
                        self._same_values(u, pp, y1, cc, (*qualified, (u, TYPE, xx)), emit)

    def _restriction_on_members(self, xx: int, us: Collection[int], emit: _Emit) -> None:
        """cls-hv1, cls-avf, cls-maxc2, cls-maxqc3/4 for new members ``us`` of ``xx``."""
        st, TYPE = self.store, self.TYPE
        for pp in st.objects(xx, self.ONP):
            on = (xx, self.ONP, pp)
            for y in st.objects(xx, self.HV):
                for u in us:
                    emit((u, pp, y), ("cls-hv1", (on, (xx, self.HV, y), (u, TYPE, xx))))
            for y in st.objects(xx, self.AVF):
                axioms = (on, (xx, self.AVF, y))
                for u in us:
                    for v in st.objects(u, pp):
                        emit((v, TYPE, y), ("cls-avf", (*axioms, (u, TYPE, xx), (u, pp, v))))
            value, card = self._cardinality(xx, self.MAXC)
            if value == 1:
                for u in us:
                    for y1 in st.objects(u, pp):
                        self._same_values(u, pp, y1, None, (card, on, (u, TYPE, xx)), emit)
            value, card = self._cardinality(xx, self.MAXQC)
            if value == 1:
                for cc in st.objects(xx, self.ONCLASS):
                    qualified: tuple[_Coded, ...] = (card, on, (xx, self.ONCLASS, cc))
                    for u in us:
                        for y1 in st.objects(u, pp):
                            self._same_values(u, pp, y1, cc, (*qualified, (u, TYPE, xx)), emit)

    def _same_values(
        self, u: int, pp: int, y1: int, cc: int | None, given: tuple[_Coded, ...], emit: _Emit
    ) -> None:
        """cls-maxc2 / cls-maxqc3-4: ``y1`` is the same as every other value of ``pp`` on ``u``
        (of class ``cc`` unless that is None or owl:Thing); ``given`` are the premises
        about the restriction and ``u``'s membership."""
        st, TYPE = self.store, self.TYPE
        of_class = None if cc == self.THING else cc
        if of_class is not None and not st.has(y1, TYPE, of_class):
            return
        rule = "cls-maxc2" if cc is None else "cls-maxqc4" if of_class is None else "cls-maxqc3"
        for y2 in st.objects(u, pp):
            if y2 != y1 and (of_class is None or st.has(y2, TYPE, of_class)):
                premises = (*given, (u, pp, y1), (u, pp, y2))
                if of_class is not None:
                    premises += ((y1, TYPE, of_class), (y2, TYPE, of_class))
                emit((y1, self.SAME, y2), (rule, premises))
                emit((y2, self.SAME, y1), (rule, premises))

    def _restriction_all(self, xx: int, emit: _Emit) -> None:
        """Every restriction rule for ``xx``, when one of its defining triples is new."""
        st = self.store
        members = st.subjects(self.TYPE, xx)
        for pp in st.objects(xx, self.ONP):
            self._restriction_on_triples(xx, pp, list(st.pairs(pp)), emit)
        self._restriction_on_members(xx, members, emit)

    # -- Table 9: schema vocabulary ------------------------------------------------------

    def _schema_rules(self, p: int, pairs: _Pairs, emit: _Emit) -> None:
        """The rules whose new premise is an axiom: joined with everything there is."""
        st, TYPE, SUB, SUBP = self.store, self.TYPE, self.SUB, self.SUBP
        if p == self.DOMAIN or p == self.RANGE:
            domain = p == self.DOMAIN
            for prop, c in pairs:
                axiom = (prop, p, c)
                for x, y in st.pairs(prop):
                    emit(
                        (x if domain else y, TYPE, c),
                        ("prp-dom" if domain else "prp-rng", (axiom, (x, prop, y))),
                    )
                for c2 in st.objects(c, SUB):
                    if c2 != c:
                        rule = "scm-dom1" if domain else "scm-rng1"
                        emit((prop, p, c2), (rule, (axiom, (c, SUB, c2))))
                for p1 in st.subjects(SUBP, prop):
                    if p1 != prop:
                        rule = "scm-dom2" if domain else "scm-rng2"
                        emit((p1, p, c), (rule, (axiom, (p1, SUBP, prop))))
        elif p == SUBP:
            for p1, p2 in pairs:
                axiom = (p1, SUBP, p2)
                if p1 != p2:
                    for x, y in st.pairs(p1):
                        emit((x, p2, y), ("prp-spo1", (axiom, (x, p1, y))))
                    for p3 in st.objects(p2, SUBP):
                        if p3 != p1:
                            emit((p1, SUBP, p3), ("scm-spo", (axiom, (p2, SUBP, p3))))
                    if st.has(p2, SUBP, p1):
                        why = ("scm-eqp2", (axiom, (p2, SUBP, p1)))
                        emit((p1, self.EQP, p2), why)
                        emit((p2, self.EQP, p1), why)
                    for c in st.objects(p2, self.DOMAIN):
                        emit((p1, self.DOMAIN, c), ("scm-dom2", ((p2, self.DOMAIN, c), axiom)))
                    for c in st.objects(p2, self.RANGE):
                        emit((p1, self.RANGE, c), ("scm-rng2", ((p2, self.RANGE, c), axiom)))
                for p0 in st.subjects(SUBP, p1):
                    if p0 != p1 and p0 != p2:
                        emit((p0, SUBP, p2), ("scm-spo", ((p0, SUBP, p1), axiom)))
        elif p == SUB:
            for c1, c2 in pairs:
                axiom = (c1, SUB, c2)
                if c1 != c2:
                    for x in st.subjects(TYPE, c1):
                        emit((x, TYPE, c2), ("cax-sco", (axiom, (x, TYPE, c1))))
                    for c3 in st.objects(c2, SUB):
                        if c3 != c1:
                            emit((c1, SUB, c3), ("scm-sco", (axiom, (c2, SUB, c3))))
                    for prop in st.subjects(self.DOMAIN, c1):
                        emit(
                            (prop, self.DOMAIN, c2), ("scm-dom1", ((prop, self.DOMAIN, c1), axiom))
                        )
                    for prop in st.subjects(self.RANGE, c1):
                        emit((prop, self.RANGE, c2), ("scm-rng1", ((prop, self.RANGE, c1), axiom)))
                for c0 in st.subjects(SUB, c1):
                    if c0 != c1 and c0 != c2:
                        emit((c0, SUB, c2), ("scm-sco", ((c0, SUB, c1), axiom)))
                if st.has(c2, SUB, c1):
                    why = ("scm-eqc2", (axiom, (c2, SUB, c1)))
                    emit((c1, self.EQC, c2), why)
                    emit((c2, self.EQC, c1), why)
        elif p == self.EQC:
            for c1, c2 in pairs:
                if c1 != c2:
                    axiom = (c1, self.EQC, c2)
                    for a, b, rule in ((c1, c2, "cax-eqc1"), (c2, c1, "cax-eqc2")):
                        for x in st.subjects(TYPE, a):
                            emit((x, TYPE, b), (rule, (axiom, (x, TYPE, a))))
                        emit((a, SUB, b), ("scm-eqc1", (axiom,)))
        elif p == self.EQP:
            for p1, p2 in pairs:
                if p1 != p2:
                    axiom = (p1, self.EQP, p2)
                    for a, b, rule in ((p1, p2, "prp-eqp1"), (p2, p1, "prp-eqp2")):
                        for x, y in st.pairs(a):
                            emit((x, b, y), (rule, (axiom, (x, a, y))))
                        emit((a, SUBP, b), ("scm-eqp1", (axiom,)))
        elif p == self.INV:
            for p1, p2 in pairs:
                axiom = (p1, self.INV, p2)
                for a, b, rule in ((p1, p2, "prp-inv1"), (p2, p1, "prp-inv2")):
                    for x, y in st.pairs(a):
                        emit((y, b, x), (rule, (axiom, (x, a, y))))
        elif p == self.SAME:
            self._same_as(pairs, emit)

    def _schema_restrictions(self, emit: _Emit) -> None:
        """scm-hv, scm-svf1/2, scm-avf1/2: five premises each, over the few restrictions of
        the ontology, so evaluated whole (in rounds that add one of their premises)."""
        st, SUB, SUBP, ONP = self.store, self.SUB, self.SUBP, self.ONP
        for c1, i in st.pairs(self.HV):
            for c2 in st.subjects(self.HV, i):
                for p1 in st.objects(c1, ONP):
                    for p2 in st.objects(c2, ONP):
                        if st.has(p1, SUBP, p2):
                            premises = (
                                (c1, self.HV, i),
                                (c1, ONP, p1),
                                (c2, self.HV, i),
                                (c2, ONP, p2),
                                (p1, SUBP, p2),
                            )
                            emit((c1, SUB, c2), ("scm-hv", premises))
        for filler, downward in ((self.SVF, True), (self.AVF, False)):
            name = "scm-svf" if downward else "scm-avf"
            for c1, y1 in st.pairs(filler):
                for p1 in st.objects(c1, ONP):
                    for c2 in st.subjects(ONP, p1):
                        for y2 in st.objects(c2, filler):
                            if st.has(y1, SUB, y2):
                                premises = (
                                    (c1, filler, y1),
                                    (c1, ONP, p1),
                                    (c2, filler, y2),
                                    (c2, ONP, p1),
                                    (y1, SUB, y2),
                                )
                                emit((c1, SUB, c2), (name + "1", premises))
                    for c2 in st.subjects(filler, y1):
                        for p2 in st.objects(c2, ONP):
                            if st.has(p1, SUBP, p2):
                                premises = (
                                    (c1, filler, y1),
                                    (c1, ONP, p1),
                                    (c2, filler, y1),
                                    (c2, ONP, p2),
                                    (p1, SUBP, p2),
                                )
                                conclusion = (c1, SUB, c2) if downward else (c2, SUB, c1)
                                emit(conclusion, (name + "2", premises))

    # -- lists and consistency -------------------------------------------------------------

    def _items(self, head: int) -> list[int]:
        """The members of an rdf:List, as rdflib's ``Graph.items`` reads them."""
        items, seen = [], {head}
        node: int | None = head
        while node is not None:
            first = self._link(node, self.FIRST)
            if first is not None:
                items.append(first)
            node = self._link(node, self.REST)
            if node in seen:
                break
            if node is not None:
                seen.add(node)
        return items

    def _link(self, node: int, prop: int) -> int | None:
        found = self.links.get((node, prop))
        return found if found is not None else next(iter(self.store.objects(node, prop)), None)

    def _list_axioms(self, prop: int) -> list[_ListAxiom]:
        return [(s, self._items(o), o) for s, o in self.store.pairs(prop)]

    def functional_value_clashes(self) -> list[Inconsistency]:
        """prp-fp on data values: a functional property with two different literal values.

        prp-fp makes the two values owl:sameAs, and two different data values
        cannot be the same (OWL 2 Direct Semantics): the graph is inconsistent.
        owlrl derives the sameAs (between literals, so never published) and says
        nothing; ``cahr:amount`` is such a property.
        """
        st, t = self.store, self.terms
        found: list[Inconsistency] = []
        for p in sorted(st.subjects(self.TYPE, self.FP)):
            for x, objects in st.so.get(p, {}).items():
                values = sorted({t[o] for o in objects if o in self.literals}, key=str)
                for i, first in enumerate(values):
                    clash = next((v for v in values[i + 1 :] if _differ(first, v)), None)
                    if clash is not None:
                        found.append(
                            Inconsistency(
                                "prp-fp",
                                f"Functional property {t[p]} has two different values on {t[x]}: "
                                f"'{first}' and '{clash}'",
                                t[x],
                                t[p],
                            )
                        )
                        break
        return found

    def inconsistencies(self) -> list[Inconsistency]:
        """The consistency rules, on the fixpoint, with owlrl's messages (one per message)."""
        st, t, TYPE, SAME = self.store, self.terms, self.TYPE, self.SAME
        v = self.ids.get
        errors: dict[str, Inconsistency] = {}

        def error(rule: str, focus: Node, prop: Node | None, message: str, *classes: Node) -> None:
            errors.setdefault(message, Inconsistency(rule, message, focus, prop, classes))

        for lt in {
            o
            for _s, _p, o in self.asserted  # dt-not-type
            if isinstance(o, Literal) and o.datatype in _RL_DATATYPES
        }:
            try:
                AltXSDToPYTHON.get(lt.datatype, lambda x: x)(str(lt))
            except ValueError:
                error(
                    "dt-not-type",
                    lt,
                    None,
                    f"Lexical value of the literal '{lt}' does not match its datatype "
                    f"({lt.datatype})",
                )

        def code(term: Node) -> int:
            found = v(term)
            return -1 if found is None else found

        for x in st.subjects(TYPE, self.NOTHING):  # cls-nothing2
            error("cls-nothing2", t[x], None, f"{t[x]} is defined of type 'Nothing'", OWL.Nothing)
        for c1, c2 in st.pairs(code(OWL.disjointWith)):  # cax-dw
            for x in st.subjects(TYPE, c1):
                if st.has(x, TYPE, c2):
                    error(
                        "cax-dw",
                        t[x],
                        None,
                        f"Disjoint classes {t[c1]} and {t[c2]} have a common individual {t[x]}",
                        t[c1],
                        t[c2],
                    )
        for c1, c2 in st.pairs(code(OWL.complementOf)):  # cls-com (owlrl names c2 last)
            for x in st.subjects(TYPE, c1):
                if st.has(x, TYPE, c2):
                    error(
                        "cls-com",
                        t[x],
                        None,
                        f"Violation of complementarity for classes {t[c1]} and {t[c2]} on "
                        f"element {t[c2]}",
                        t[c1],
                        t[c2],
                    )
        for xx, n in st.pairs(self.MAXC):  # cls-maxc1
            if getattr(t[n], "value", None) == 0:
                for pp in st.objects(xx, self.ONP):
                    for u, y in st.pairs(pp):
                        if st.has(u, TYPE, xx):
                            error(
                                "cls-maxc1",
                                t[u],
                                t[pp],
                                f"Erroneous usage of maximum cardinality with {t[xx]} and {t[y]}",
                            )
        for xx, n in st.pairs(self.MAXQC):  # cls-maxqc1/2
            if getattr(t[n], "value", None) == 0:
                for pp in st.objects(xx, self.ONP):
                    for cc in st.objects(xx, self.ONCLASS):
                        for u, y in st.pairs(pp):
                            if (cc == self.THING or st.has(y, TYPE, cc)) and st.has(u, TYPE, xx):
                                error(
                                    "cls-maxqc1/2",
                                    t[u],
                                    t[pp],
                                    "Erroneous usage of maximum qualified cardinality with "
                                    f"{t[xx]}, {t[cc]} and {t[y]}",
                                )
        for p in st.subjects(TYPE, code(OWL.IrreflexiveProperty)):  # prp-irp
            for x, y in st.pairs(p):
                if x == y:
                    error("prp-irp", t[x], t[p], f"Irreflexive property used on {t[x]} with {t[p]}")
        for p in st.subjects(TYPE, code(OWL.AsymmetricProperty)):  # prp-asyp
            for x, y in st.pairs(p):
                if st.has(y, p, x):
                    error(
                        "prp-asyp",
                        t[x],
                        t[p],
                        f"Erroneous usage of asymmetric property {t[p]} on {t[x]} and {t[y]}",
                    )
        for p1, p2 in st.pairs(code(OWL.propertyDisjointWith)):  # prp-pdw
            for x, y in st.pairs(p1):
                if st.has(x, p2, y):
                    error(
                        "prp-pdw",
                        t[x],
                        t[p1],
                        f"Erroneous usage of disjoint properties {t[p1]} and {t[p2]} on "
                        f"{t[x]} and {t[y]}",
                    )
        members = code(OWL.members)
        for node in st.subjects(TYPE, code(OWL.AllDisjointClasses)):  # cax-adc
            for head in st.objects(node, members):
                classes = self._items(head)
                for i in range(len(classes) - 1):
                    for z in st.subjects(TYPE, classes[i]):
                        for cl2 in classes[i + 1 :]:
                            if st.has(z, TYPE, cl2):
                                error(
                                    "cax-adc",
                                    t[z],
                                    None,
                                    f"Disjoint classes {t[classes[i]]} and {t[cl2]} have a "
                                    f"common individual {t[z]}",
                                    t[classes[i]],
                                    t[cl2],
                                )
        for node in st.subjects(TYPE, code(OWL.AllDisjointProperties)):  # prp-adp
            for head in st.objects(node, members):
                props = self._items(head)
                for i in range(len(props) - 1):
                    for j in range(i + 1, len(props) - 1):  # owlrl skips the last one
                        for x, y in st.pairs(props[i]):
                            if st.has(x, props[j], y):
                                error(
                                    "prp-adp",
                                    t[x],
                                    t[props[i]],
                                    "Disjoint properties in an 'AllDisjointProperties' are not "
                                    f"really disjoint: ({t[x]}, {t[props[i]]},{t[y]}) and "
                                    f"({t[x]},{t[props[j]]},{t[y]})",
                                )
        for x, i1 in st.pairs(code(OWL.sourceIndividual)):  # prp-npa1/2
            for p1 in st.objects(x, code(OWL.assertionProperty)):
                for target, kind in (
                    (OWL.targetIndividual, "object"),
                    (OWL.targetValue, "datatype"),
                ):
                    for i2 in st.objects(x, code(target)):
                        if st.has(i1, p1, i2):
                            error(
                                "prp-npa1" if kind == "object" else "prp-npa2",
                                t[i1],
                                t[p1],
                                f"Negative ({kind}) property assertion violated for: "
                                f"({t[i1]}, {t[p1]}, {t[i2]})",
                            )
        different = code(OWL.differentFrom)
        for x, y in st.pairs(SAME):  # eq-diff1
            if st.has(x, different, y) or st.has(y, different, x):
                error(
                    "eq-diff1",
                    t[x],
                    None,
                    f"'sameAs' and 'differentFrom' cannot be used on the same subject-object "
                    f"pair: ({t[x]}, {t[y]})",
                )
        if not self.eq_ref:  # the reflexive sameAs of eq-ref, not materialised
            for x, y in st.pairs(different):
                if x == y:
                    error(
                        "eq-diff1",
                        t[x],
                        None,
                        f"'sameAs' and 'differentFrom' cannot be used on the same "
                        f"subject-object pair: ({t[x]}, {t[x]})",
                    )
        for node in st.subjects(TYPE, code(OWL.AllDifferent)):  # eq-diff2/3
            for prop in (members, code(OWL.distinctMembers)):
                for head in st.objects(node, prop):
                    zis = self._items(head)
                    for i in range(len(zis) - 1):
                        for j in range(i + 1, len(zis) - 1):  # owlrl skips the last one
                            zi, zj = zis[i], zis[j]
                            if (st.has(zi, SAME, zj) or st.has(zj, SAME, zi)) and zi != zj:
                                error(
                                    "eq-diff2/3",
                                    t[zi],
                                    None,
                                    "'sameAs' and 'AllDifferent' cannot be used on the same "
                                    f"subject-object pair: ({t[zi]}, {t[zj]})",
                                )
        return list(errors.values())
