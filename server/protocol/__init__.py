"""The SPARQL 1.1 Protocol at /sparql: reading a request (``sparql``), choosing the media
type of the answer (``negotiation``), the service description (``service_description``), and
the query processes that vet and evaluate queries under a time limit (``runner``)."""
