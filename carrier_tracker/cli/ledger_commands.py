"""Commands of the ledger's own: ``rebuild`` (a new database from an old one's chains)."""

from __future__ import annotations

import argparse
from pathlib import Path

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers


def _url(text: str) -> str:
    """A database URL, or a plain path taken as an SQLite file."""
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().resolve()}"


def cmd_rebuild(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, EXIT_REFUSED, _print
    from carrier_tracker.config import load_settings
    from carrier_tracker.ledger import keyring
    from carrier_tracker.ledger.audit import audit_meeting, audit_system
    from carrier_tracker.ledger.rebuild import rebuild
    from carrier_tracker.storage import db
    from carrier_tracker.storage.models import Meeting, table_of

    settings = load_settings(_url(args.source))
    old = db.make_engine(settings.database_url, read_only=True)
    db.require_schema(old)
    key = keyring.open_key(old, settings.ledger_key_path, writes=False)
    new = db.make_engine(_url(args.target), create=True)
    try:
        done = rebuild(old=old, new=new, key=key, say=_print)
        with db.read_scope(new) as s:
            system = audit_system(s, key)
            m = table_of(Meeting)
            reports = [
                audit_meeting(s, key, row, system=system)
                for row in s.connection().execute(m.select())
            ]
        ok = system.ok and all(r.chain.ok and not r.differences for r in reports)
    finally:
        old.dispose()
        new.dispose()
    for line in done.skipped:
        _print(messages.text("rebuild_skipped", line=line))
    if done.without_pin:
        _print(messages.text("rebuild_without_pin", names="、".join(done.without_pin)))
    _print(
        messages.text(
            "rebuild_done",
            meetings=len(done.meetings),
            system=done.system_events,
            operators=done.operators,
            url=new.url.render_as_string(hide_password=True),
        )
    )
    verdict = messages.text("audit_ok" if ok else "audit_not_ok")
    _print(messages.text("rebuild_verify", verdict=verdict))
    return EXIT_OK if ok and not done.skipped else EXIT_REFUSED


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    t = messages.text
    q = p.add("rebuild", cmd_rebuild, t("help_rebuild"), ())
    q.add_argument(
        "--from", dest="source", metavar="OLD_DB_URL", required=True, help=t("help_rebuild_from")
    )
    q.add_argument(
        "--into", dest="target", metavar="NEW_DB_URL", required=True, help=t("help_rebuild_into")
    )
