"""Backup and restore: export the event log with its hash chain, import it into an empty
store, byte for byte."""

from projections.transfer.export import Exported, export_events
from projections.transfer.lines import BadLine
from projections.transfer.restore import (
    Checked,
    StoreNotEmpty,
    check_file,
    ensure_empty,
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
    "write_file",
]
