"""Shared test infrastructure: a live CKAN portal (``portal``), a real SMTP
server (``smtp``), a real browser (``browser``). The pytest fixtures are in
``support.fixtures`` and made available to every test directory by
``tests/conftest.py``; see docs/operators/local.md."""
