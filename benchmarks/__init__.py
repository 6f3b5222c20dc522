"""Benchmarks (issue #7): the growth curves of the build (``growth.py``) and the load tests."""
