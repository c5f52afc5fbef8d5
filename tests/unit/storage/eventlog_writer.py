"""Child process for the kill -9 test: run the lifecycle over a session into an event log.

    python eventlog_writer.py LOG SNAPSHOTS

Resumes from what the log holds (its fold; processed snapshots are de-duplicated) and prints the
sequence number of every snapshot committed, flushed, so the parent knows what must survive.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eots.storage.events import EventLog
from eots.tracking import TrackingParams, advance
from tracking_builders import session


def main() -> None:
    path, count = Path(sys.argv[1]), int(sys.argv[2])
    with EventLog(path) as log:
        book = log.book()
        for marks, ideas in session(count):
            book, events = advance(book, marks, ideas, TrackingParams())
            if events:
                record = log.append(events)
                sys.stdout.write(f"{record.seq}\n")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
