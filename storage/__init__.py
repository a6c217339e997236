"""Adapters to the outside: the event-store recorders for SQLite and PostgreSQL with the
hash chain, transcoding, the SQL gateway, the batching writer, export and import."""
