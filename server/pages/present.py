"""How RDF terms look on a page: local links, readable literals, sortable dates.

Pages never link to ``https://w3id.org/cahr/...`` directly: the server maps
that space to its own paths (BRIEF, "Identifiers"), so a local deployment
stays browsable offline. Literals are shown as a researcher reads them
("8 December 2023", "77,000,000"), with the exact lexical form kept for a
tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from cahr.iris import BASE, CAHR, prefixed

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

DATE_TYPES = (XSD.date, XSD.dateTime, XSD.gYearMonth, XSD.gYear)
NUMBER_TYPES = (
    XSD.decimal,
    XSD.integer,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
    XSD.int,
    XSD.long,
    XSD.double,
    XSD.float,
)


def local_path(iri: str) -> str | None:
    """The path on this server of a CAHR IRI, or None for any other IRI.

    ``https://w3id.org/cahr/ontology#Decree`` keeps its fragment, so a browser
    lands on the term's anchor in the ontology documentation.

    >>> local_path("https://w3id.org/cahr/id/kazakhstan")
    '/id/kazakhstan'
    >>> local_path("https://schema.org/Person") is None
    True
    """
    if not iri.startswith(BASE):
        return None
    return "/" + iri[len(BASE) :]


def href(iri: str) -> str:
    """Where a link to ``iri`` should point: its local path, or the IRI itself."""
    return local_path(iri) or iri


@dataclass(frozen=True)
class DateKey:
    """A date of any precision, sortable: (year, month, day), 0 for what is unknown."""

    year: int
    month: int = 0
    day: int = 0

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def text(self) -> str:
        """``8 December 2023``, ``December 2023`` or ``2023``."""
        if self.day:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


def date_key(value: Node) -> DateKey | None:
    """A DateKey for an xsd:date, dateTime, gYearMonth or gYear literal, else None.

    >>> date_key(Literal("2023-12", datatype=XSD.gYearMonth)).text()
    'December 2023'
    """
    if not isinstance(value, Literal) or value.datatype not in DATE_TYPES:
        return None
    text = str(value)
    try:
        year = int(text[:4])
        month = int(text[5:7]) if value.datatype != XSD.gYear and len(text) >= 7 else 0
        day = int(text[8:10]) if value.datatype in (XSD.date, XSD.dateTime) else 0
    except ValueError:
        return None
    if not 0 <= month <= 12 or not 0 <= day <= 31:
        return None
    return DateKey(year, month, day)


def literal_text(value: Literal) -> str:
    """A literal as a researcher reads it."""
    key = date_key(value)
    if key is not None:
        return key.text()
    if value.datatype in NUMBER_TYPES:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if number == number.to_integral_value():
            return f"{int(number):,}"
        return f"{number:,}"
    if value.datatype == XSD.boolean:
        return "yes" if str(value).lower() in ("true", "1") else "no"
    return str(value)


def term_title(value: Node) -> str:
    """The exact form of a term, for a tooltip: a prefixed name or a typed literal."""
    if isinstance(value, URIRef):
        return prefixed(str(value))
    if isinstance(value, Literal):
        if value.language:
            return f'"{value}"@{value.language}'
        if value.datatype:
            return f'"{value}"^^{prefixed(str(value.datatype))}'
        return f'"{value}"'
    if isinstance(value, BNode):
        return f"_:{value}"
    return str(value)


def local_name(iri: str) -> str:
    """The part after the last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[cut + 1 :] or iri


def is_cahr_term(iri: str) -> bool:
    """A term of our ontology (``cahr:Decree``), documented at ``/ontology#Decree``."""
    return iri.startswith(str(CAHR))
