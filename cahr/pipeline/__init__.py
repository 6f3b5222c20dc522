"""The build pipeline of ``kg build``: from ontology/, kg/, shapes/ and sources/ to dist/.

One module per stage, run in this order by ``run.build``: ``load`` (parse, with
file and line for every error), ``reason`` (OWL RL, ``rules``), ``validate``
(SHACL on two cores, ``shacl``; the SPARQL checks; ``quotes``), ``export`` (the
dumps, atomically), ``publish`` (VoID, the ontology's documentation, the example
queries) and ``disk_store`` (the on-disk store for ``--engine oxigraph-disk``). What
dist/ holds is defined in ``cahr.dist``, which the readers import instead.
"""
