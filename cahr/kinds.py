"""The kinds of resource a researcher thinks in, one table for every view that groups by them.

A source page groups what an article contributed by kind, the timeline names
the kind of each dated entry, and the build's per-article summary counts each
kind: all three read this table, so a new kind (or a new name for one) is one
line here. The kinds follow ontology classes (asserted or inferred types),
most specific first, so that "the first kind whose class a resource has"
lists an official once, as an official.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import SKOS

from cahr.iris import CAHR


@dataclass(frozen=True)
class Kind:
    """One kind: its class, and its names on the pages and in the summary.

    ``heading`` is the source page's group; ``timeline`` the timeline's word for
    an entry of this kind (None: not a kind the timeline shows); ``column`` the
    build summary's count (None: not counted).
    """

    cls: URIRef
    heading: str
    timeline: str | None = None
    column: str | None = None


# Most specific first: the first kind whose class a resource has names its kind.
KINDS: tuple[Kind, ...] = (
    Kind(CAHR.Statement, "Statements", "statement", "statements"),
    Kind(CAHR.Funding, "Fundings", "funding", "fundings"),
    Kind(CAHR.Figure, "Figures", None, "figures"),
    Kind(CAHR.Decree, "Decrees", "decree", "decrees"),
    Kind(CAHR.Agreement, "Agreements and treaties", "agreement", "agreements"),
    Kind(CAHR.Plan, "Plans"),
    Kind(CAHR.PlannedMeasure, "Planned measures"),
    Kind(CAHR.Article, "Articles", "article"),
    Kind(CAHR.Document, "Other documents", "document", "documents"),
    Kind(CAHR.Meeting, "Meetings", "meeting", "meetings"),
    Kind(CAHR.LegalAction, "Legal actions", "legal action"),
    Kind(CAHR.Event, "Other events", "event", "events"),
    Kind(CAHR.Official, "Officials", None, "officials"),
    Kind(CAHR.Person, "People", None, "people"),
    Kind(CAHR.PostHolding, "Posts held"),
    Kind(CAHR.Post, "Posts"),
    Kind(CAHR.Country, "Countries"),
    Kind(CAHR.Place, "Places", None, "places"),
    Kind(CAHR.Organization, "Organisations", None, "organisations"),
    Kind(CAHR.Agent, "Other agents"),
    Kind(SKOS.Concept, "Concepts and topics"),
    Kind(CAHR.ImpliedValue, "Implied values", None, "implied"),
)
OTHER = "Other"
# The build summary's columns (the manifest's per-article counts), in the table's order.
COLUMNS: dict[str, URIRef] = {k.column: k.cls for k in KINDS if k.column is not None}


def heading_of(types: Collection[str]) -> str:
    """The source page's group for a resource of ``types`` (class IRIs): its first kind's.

    >>> heading_of({str(CAHR.Person), str(CAHR.Official)})
    'Officials'
    """
    return next((k.heading for k in KINDS if str(k.cls) in types), OTHER)


def timeline_kind(types: Collection[str]) -> str | None:
    """The timeline's word for a resource of ``types``: its first kind the timeline shows."""
    return next((k.timeline for k in KINDS if k.timeline and str(k.cls) in types), None)
