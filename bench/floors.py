"""The floors of bench_scale.py: the bare ``sqlite3`` queries of the rows each view shows, in a
process of their own, printing one line per row — what no code on this schema can beat.

    python bench/floors.py status|by-document|break DB_FILE MEETING_CODE

Only the standard library: the process costs the interpreter, SQLite's work and the printing.
The statements are the read model's own (carrier_tracker.storage.readmodel and planview), so
the floor reads exactly the rows the command reads.
"""

from __future__ import annotations

import sqlite3
import sys

OUT = "'carried_out', 'in_transit', 'issued', 'lost'"
STATUS = [
    "SELECT state, count(*) FROM carrier WHERE meeting_id = ? GROUP BY state",
    "SELECT c.state, count(*) FROM attendee a JOIN carrier c ON c.owner_id = a.id"
    " WHERE a.meeting_id = ? AND c.meeting_id = a.meeting_id AND c.kind = 'pass' GROUP BY c.state",
    "SELECT kind, state, count(*) FROM carrier WHERE tag_uid IS NULL AND meeting_id = ?"
    " GROUP BY kind, state",
    "SELECT c.id, c.kind, d.number, c.copy_number, o.pass_number, o.code, o.name, c.state,"
    " c.state_since, h.code, k.number FROM carrier c"
    " LEFT JOIN document d ON d.id = c.document_id LEFT JOIN attendee o ON o.id = c.owner_id"
    " LEFT JOIN attendee h ON h.id = coalesce(c.holder_id, c.remembered_holder_id)"
    " LEFT JOIN consignment k ON k.id = c.consignment_id"
    f" WHERE c.meeting_id = ? AND c.state IN ({OUT}) AND c.tag_uid IS NOT NULL"
    " ORDER BY d.number, c.copy_number, o.code",
    "SELECT id, code, name, unit, pledge_on FROM attendee WHERE meeting_id = ? ORDER BY code",
    "SELECT a.code, a.name FROM attendee a JOIN carrier c ON c.owner_id = a.id"
    " WHERE a.meeting_id = ? AND c.kind = 'pass' AND c.state != 'registered'"
    " AND a.pledge_on IS NULL ORDER BY a.code",
]
BY_DOCUMENT = [
    "SELECT id, code, name, unit, clearance, substitute_for_id FROM attendee"
    " WHERE meeting_id = ? ORDER BY code",
    "SELECT id, number, title, level, copies, plan FROM document WHERE meeting_id = ?"
    " ORDER BY number",
    "SELECT DISTINCT c.document_id, e.attendee_id FROM event e JOIN carrier c ON c.id = e.carrier_id"
    " WHERE e.meeting_id = ? AND e.action IN ('issue', 'reissue') AND e.verdict = 'accepted'"
    " AND e.attendee_id IS NOT NULL AND c.document_id IS NOT NULL",
    "SELECT document_id, state, count(*) FROM carrier WHERE meeting_id = ?"
    f" AND state IN ({OUT}, 'recovered') AND tag_uid IS NOT NULL AND document_id IS NOT NULL"
    " GROUP BY document_id, state",
]
BREAK = [
    "SELECT number FROM document WHERE meeting_id = ? AND collect_at_breaks = 1 ORDER BY number",
    "SELECT c.id, c.kind, d.number, c.copy_number, c.state, c.state_since, h.code, h.name"
    " FROM carrier c JOIN document d ON d.id = c.document_id"
    " JOIN attendee h ON h.id = c.holder_id WHERE c.meeting_id = ? AND c.state = 'issued'"
    " AND c.tag_uid IS NOT NULL AND d.collect_at_breaks = 1 ORDER BY h.code, d.number,"
    " c.copy_number",
]
QUERIES = {"status": STATUS, "by-document": BY_DOCUMENT, "break": BREAK}


def main() -> None:
    """Run one view's statements and print their rows."""
    view, path, code = sys.argv[1:4]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("BEGIN")
    (meeting_id,) = conn.execute(
        "SELECT id FROM meeting WHERE lower(code) = lower(?)", (code,)
    ).fetchone()
    write = sys.stdout.write
    for sql in QUERIES[view]:
        for row in conn.execute(sql, (meeting_id,)):
            write("\t".join(map(str, row)) + "\n")


if __name__ == "__main__":
    main()
