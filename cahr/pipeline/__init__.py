"""The build pipeline of ``kg build``: from ontology/, kg/, shapes/ and sources/ to dist/.

One module per stage, run in this order by ``run.build``: ``load`` (parse, with
file and line for every error), ``reason`` (OWL RL, ``rules``), ``validate``
(SHACL, the SPARQL checks, ``quotes``), ``export`` (the dumps, atomically) and
``publish`` (VoID, the ontology's documentation, the example queries). What
dist/ holds is defined in ``cahr.dist``, which the readers import instead.
"""
