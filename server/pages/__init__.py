"""The site and the linked data: the query UI, a page (or RDF) for every IRI of the graph,
the timeline, the ontology's documentation and the dumps. ``routes`` is the blueprint of the
pages, ``dumps`` that of /dumps/; the other modules each make one kind of page or part."""
