"""CAHR-KG: the Central Asia Human Rights Knowledge Graph.

``cahr`` is the graph side of the project: it builds the dataset from
``ontology/``, ``kg/`` and ``shapes/`` (``cahr.pipeline``), stores and queries it
(``cahr.store``, ``cahr.query``) and offers the ``kg`` command (``cahr.cli``).
HTTP lives in ``cahr.server`` (the ``server/`` folder).
"""

__version__ = "0.1.0"
