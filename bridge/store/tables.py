"""Imports every module that declares tables, so `open_database` creates them all."""

from bridge.store import calls, outbox  # noqa: F401
