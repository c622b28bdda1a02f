"""Places registered for dispositions: the archives copies are kept in (归档地点) and the units
copies are returned to (退回单位). Each is an event of the system chain (``place_added``) by an
officer; the ``place`` table is its projection, compared by ``verify``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker import text_fields as tf
from carrier_tracker.enums import PlaceKind
from carrier_tracker.errors import ConflictError
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import Place, utcnow
from carrier_tracker.storage.system_chain import append_system


def place_limit(kind: PlaceKind) -> int:
    """The longest name a place of this kind may have."""
    return tf.ARCHIVE if kind is PlaceKind.ARCHIVE else tf.UNIT


def add_place(
    *,
    session: Session,
    key: bytes,
    kind: PlaceKind,
    name: str,
    by: str,
    station: str = "",
    now: datetime | None = None,
) -> Place:
    """Register a place (the caller authenticated ``by`` as an officer and commits).

    Raises:
        TextError: the name is empty, too long or malformed.
        ConflictError: the place is registered already.
    """
    label = messages.PLACE_KIND_LABEL[kind]
    name = tf.check_text(label, name, place_limit(kind), required=True)
    if session.get(Place, (kind.value, name)) is not None:
        raise ConflictError(messages.text("place_exists", kind=label, name=name))
    at = ledger.as_utc(now or utcnow())
    place = Place(kind=kind.value, name=name, added_by=by, added_at=at)
    session.add(place)
    session.flush()
    append_system(
        session,
        key,
        ev.PlaceRegistered(
            ev.SystemStamp(seq=0, at=at, operator=by, station=station),
            kind=kind.value,
            name=name,
        ),
    )
    return place


def list_places(session: Session, kind: PlaceKind | None = None) -> list[Place]:
    """Registered places, by kind and name."""
    stmt = select(Place).order_by(col(Place.kind), col(Place.name))
    if kind is not None:
        stmt = stmt.where(Place.kind == kind.value)
    return list(session.exec(stmt).all())


def place_names(session: Session, kind: PlaceKind) -> list[str]:
    """The names of the registered places of one kind, sorted."""
    return [p.name for p in list_places(session, kind)]
