"""Calls, their status history, recordings and the callback outbox, in SQLite
(default) or PostgreSQL.

    db          open_database(location) -> Database; UtcDateTime; Base
    schema      schema_version and migrations, run by open_database
    records     frozen records and enums handed in and out (pure)
    errors      the store's exceptions
    calls       CallStore (tables in call_rows, listing in call_listing)
    recordings  RecordingStore
    outbox      the callback outbox
    write_behind WriteBehind: optional queued writes on one greenlet

Nothing is imported here, so that `bridge.store.records` stays free of
SQLAlchemy for importers that only need the types.
"""
