"""Imports every module that declares tables, so `open_database` creates them all."""

from bridge.store import call_rows, outbox, recordings  # noqa: F401
