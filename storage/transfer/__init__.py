"""Backup and restore: export the event log with its hash chain, import it into an empty
store, byte for byte."""

from storage.transfer.export import Exported, export_events
from storage.transfer.lines import BadLine
from storage.transfer.restore import (
    Checked,
    StoreNotEmpty,
    check_file,
    ensure_empty,
    file_fingerprint,
    write_file,
)

__all__ = [
    "BadLine",
    "Checked",
    "Exported",
    "StoreNotEmpty",
    "check_file",
    "ensure_empty",
    "export_events",
    "file_fingerprint",
    "write_file",
]
