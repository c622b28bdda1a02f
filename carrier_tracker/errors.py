"""One error tree: every error carries a message a custodian can read (Simplified Chinese)."""

from __future__ import annotations


class CarrierTrackerError(Exception):
    """Base of every error we raise on purpose; ``str(err)`` is shown to the user as is."""

    exit_code = 2


class NotFoundError(CarrierTrackerError):
    """A meeting, attendee, document, copy or consignment named by the user does not exist."""


class SchemaError(CarrierTrackerError):
    """The database has no schema, or an older one than this program needs."""


class DatabaseError(CarrierTrackerError):
    """The database could not be reached or refused the operation."""


class ConflictError(CarrierTrackerError):
    """The change conflicts with what is stored (duplicate tag, meeting not closable, …)."""


class LedgerError(CarrierTrackerError):
    """The ledger could not be appended to (a lost race on a sequence number, a missing key)."""


class ImportProblems(CarrierTrackerError):
    """A workbook failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[object], message: str) -> None:
        super().__init__(message)
        self.problems = problems


class TextError(CarrierTrackerError):
    """A text given by the user breaks a rule of :mod:`carrier_tracker.text_fields` (too long,
    empty, control characters, a code that collides with another once normalised)."""


class OutputError(CarrierTrackerError):
    """A file cannot be written where the user asked (missing directory, a directory, a name
    too long, permission denied, disk full); nothing was left behind."""


def os_reason(err: OSError) -> str:
    """Why an operating-system call failed, in the custodian's words (never a traceback)."""
    from carrier_tracker import messages

    return messages.OS_ERROR.get(err.errno or 0, err.strerror or type(err).__name__)
