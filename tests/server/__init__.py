"""Tests of the HTTP side: the SPARQL endpoint, its safety and its HTTP behaviours (issue #5)."""
