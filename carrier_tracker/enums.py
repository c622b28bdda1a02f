"""Enumerations of the domain: classification levels, carrier states, tap modes."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Classification level; values are the Chinese labels used on paper and in Excel."""

    NEIBU = "内部"
    MIMI = "秘密"
    JIMI = "机密"
    JUEMI = "绝密"

    @property
    def rank(self) -> int:
        """Order of the levels: 内部 < 秘密 < 机密 < 绝密."""
        return _LEVEL_RANK[self]

    @property
    def marking(self) -> str:
        """The marking printed on classified paper, e.g. ``机密★``."""
        return f"{self.value}★" if self is not Level.NEIBU else self.value

    @classmethod
    def parse(cls, text: str) -> Level:
        """Parse a level from its Chinese label or English name (``jimi``, ``机密``, ``机密★``).

        Raises:
            ValueError: the text names no level.
        """
        cleaned = text.strip().rstrip("★*级").strip()
        for level in cls:
            if cleaned in (level.value, level.name, level.name.lower()):
                return level
        raise ValueError(text)


_LEVEL_RANK = {Level.NEIBU: 0, Level.MIMI: 1, Level.JIMI: 2, Level.JUEMI: 3}


class MeetingKind(StrEnum):
    """What a meeting is; values are the Chinese labels of the import's 类型 column."""

    MEETING = "涉密会议"
    TRIP = "外出携带"
    """Documents carried to an outside meeting: no passes, venue check or sweep; every copy
    leaves with its holder and is handed back by the due date (应交回日期)."""


class MeetingStatus(StrEnum):
    """Life cycle of a meeting: draft (after import) → filed (备案 recorded) → open (first
    accepted tap) → closed. A 内部 meeting needs no filing: draft → open."""

    DRAFT = "draft"
    FILED = "filed"
    OPEN = "open"
    CLOSED = "closed"
    PLANNED = "draft"
    """Alias of DRAFT (the name before filing existed)."""

    @property
    def before_open(self) -> bool:
        """Draft or filed: nothing has been handed out yet."""
        return self in _BEFORE_OPEN  # a set: asked three times per event a verify replays


_BEFORE_OPEN = frozenset({MeetingStatus.DRAFT, MeetingStatus.FILED})


class CarrierKind(StrEnum):
    """What a tag is attached to."""

    COPY = "copy"
    PASS = "pass"


class State(StrEnum):
    """Custody state of a carrier (docs/architecture.md §3)."""

    REGISTERED = "registered"
    ISSUED = "issued"
    COLLECTED = "collected"
    CARRIED_OUT = "carried_out"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RECOVERED = "recovered"
    LOST = "lost"
    WITHDRAWN = "withdrawn"
    """A copy destroyed or spoiled before it was ever issued (never outstanding, never issuable)."""
    ARCHIVED = "archived"
    """Disposed of after its recovery: filed in an archive (归档)."""
    DESTROYED = "destroyed"
    """Disposed of after its recovery: destroyed before witnesses (销毁)."""
    SENT_BACK = "sent_back"
    """Disposed of after its recovery: returned to the unit that issued it (退回发文单位)."""


DISPOSED = frozenset({State.ARCHIVED, State.DESTROYED, State.SENT_BACK})
"""Final states of a copy disposed of after the meeting: no tap moves it again (only a void of
the disposition, by an officer, puts it back to recovered)."""


class Disposal(StrEnum):
    """How a recovered copy is disposed of (处置); values are the CLI's words."""

    ARCHIVE = "archive"
    DESTROY = "destroy"
    RETURN = "return"

    @property
    def state(self) -> State:
        """The state a copy disposed of this way is in."""
        return _DISPOSAL_STATE[self]


_DISPOSAL_STATE = {
    Disposal.ARCHIVE: State.ARCHIVED,
    Disposal.DESTROY: State.DESTROYED,
    Disposal.RETURN: State.SENT_BACK,
}


class DestroyMethod(StrEnum):
    """How classified paper is destroyed; values are the labels stored and printed."""

    SHRED = "粉碎"
    PULP = "化浆"
    BURN = "焚毁"
    CENTRE = "送销毁中心"


class PlaceKind(StrEnum):
    """A place the office registers for dispositions: where archived copies are kept, or a unit
    copies are returned to."""

    ARCHIVE = "archive"
    UNIT = "unit"


# Still out of the custodians' hands: a meeting cannot close while any carrier is here.
OUTSTANDING = frozenset({State.ISSUED, State.CARRIED_OUT, State.IN_TRANSIT, State.LOST})


class Mode(StrEnum):
    """What a tap means at the desk; values are the CLI spellings of ``tap --mode``."""

    ISSUE = "issue"
    COLLECT = "collect"
    REISSUE = "reissue"
    RECALL = "recall"
    CARRY_OUT = "carry-out"
    DISPATCH = "dispatch"
    DELIVER = "deliver"
    RETURN = "return"
    ENTRANCE = "entrance"
    LOST = "lost"
    FOUND = "found"
    SWEEP = "sweep"


class Action(StrEnum):
    """Ledger actions: every tap mode plus the non-tap events."""

    ENROLL = "enroll"
    ISSUE = "issue"
    COLLECT = "collect"
    REISSUE = "reissue"
    RECALL = "recall"
    CARRY_OUT = "carry_out"
    DISPATCH = "dispatch"
    DELIVER = "deliver"
    RETURN = "return"
    ENTRANCE = "entrance"
    REPORT_LOST = "report_lost"
    FOUND = "found"
    SWEEP = "sweep"
    CONSIGNMENT = "consignment"
    OPEN = "open"
    CLOSE = "close"
    IMPORT = "import"
    PLEDGE = "pledge"
    ATTENDEE_ADD = "attendee_add"
    SUBSTITUTE = "substitute"
    COPIES_ADD = "copies_add"
    WITHDRAW = "withdraw"
    RETAG = "retag"
    VOID = "void"
    PLAN = "plan"
    RECEIPT = "receipt"
    FILE = "file"
    CHECK = "check"
    CHECK_ACCEPT = "check_accept"
    DISPOSE = "dispose"


MODE_ACTION = {
    Mode.ISSUE: Action.ISSUE,
    Mode.COLLECT: Action.COLLECT,
    Mode.REISSUE: Action.REISSUE,
    Mode.RECALL: Action.RECALL,
    Mode.CARRY_OUT: Action.CARRY_OUT,
    Mode.DISPATCH: Action.DISPATCH,
    Mode.DELIVER: Action.DELIVER,
    Mode.RETURN: Action.RETURN,
    Mode.ENTRANCE: Action.ENTRANCE,
    Mode.LOST: Action.REPORT_LOST,
    Mode.FOUND: Action.FOUND,
    Mode.SWEEP: Action.SWEEP,
}


class Verdict(StrEnum):
    """The three outcomes of a tap."""

    ACCEPTED = "accepted"
    ALREADY = "already"
    REFUSED = "refused"


class Answer(StrEnum):
    """An answer to a checklist item; values are the CLI spellings (符合/不符合/不适用 too)."""

    OK = "ok"
    FAIL = "fail"
    NA = "na"


def requires_filing(level: Level) -> bool:
    """秘密 and above: filed with the secrecy office, venue checked, swept after (policy §三)."""
    return level.rank >= Level.MIMI.rank


class Role(StrEnum):
    """Operator roles."""

    CUSTODIAN = "custodian"
    OFFICER = "officer"
    AUDITOR = "auditor"
