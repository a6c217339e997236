"""The domain's exceptions: a small hierarchy the API maps to problem+json."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every rule the domain enforces."""


class InvalidValue(DomainError):
    """A field breaks its rule (required, enum, range, format)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvariantViolated(DomainError):
    """The command is well formed but the opportunity's lifecycle forbids it."""


class OpportunityClosed(InvariantViolated):
    """Nothing can be recorded on a won or lost opportunity."""


class OpportunityPaused(InvariantViolated):
    """While paused only Resumed, the close, the plan's events, DetailsChanged and the
    corrections are allowed."""


class NotOpen(InvariantViolated):
    """Paused needs an open opportunity."""


class NotPaused(InvariantViolated):
    """Resumed needs a paused opportunity."""


class NotClosed(InvariantViolated):
    """Reopened needs a won or lost opportunity."""


class InteractionNotOpen(InvariantViolated):
    """Completing, rescheduling or cancelling needs an interaction that is planned and
    neither completed nor cancelled."""


class RetractionRefused(InvariantViolated):
    """The event cannot be taken back: already taken back, or later events depend on it."""


class DuplicateExternalId(InvariantViolated):
    """Another opportunity was already opened with this external_id."""

    def __init__(self, external_id: str, opportunity_id: str) -> None:
        super().__init__(
            f"external_id {external_id!r} is already used by opportunity {opportunity_id}"
        )
        self.external_id = external_id
        self.opportunity_id = opportunity_id


class HistoryNeeded(Exception):
    """An opportunity loaded from a snapshot (without its earlier events) met something
    only its whole history can decide or apply: a retraction. Load it whole and try again.
    Not a rule broken by anyone: never shown to a client."""


class OpportunityNotFound(DomainError):
    """No opportunity has this id (or none existed at the requested instant)."""


class VersionConflict(DomainError):
    """The opportunity is not at the version the caller expected."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, the opportunity is at {actual}")
        self.expected = expected
        self.actual = actual
