"""What the fault suite checks in the databases themselves once a fault is over."""

import time
from dataclasses import dataclass

import sqlalchemy as sa

from scripts.mixed_load import Write
from scripts.stack import DATABASE_OWNERS, StackConfig

# Rows a write leaves, found by its marker (favorites: "username/slug").
ROWS_OF = {
    "user": ("auth_service", "SELECT id FROM accounts WHERE username = :marker"),
    "article": ("webapp", "SELECT slug FROM articles WHERE title = :marker"),
    "comment": ("webapp", "SELECT id FROM comments WHERE body = :marker"),
    "form comment": ("webapp", "SELECT id FROM comments WHERE body = :marker"),
    "favorite": (
        "webapp",
        "SELECT f.article_id FROM favorites f JOIN articles a ON a.id = f.article_id"
        " WHERE a.slug = :slug AND f.user_id = CAST(:user_id AS uuid)",
    ),
}
# What an acknowledged reply says was written, to compare with the row.
REPLIED = {
    "user": lambda reply: None,
    "article": lambda reply: reply["article"]["slug"],
    "comment": lambda reply: reply["comment"]["id"],
    "form comment": lambda reply: None,
    "favorite": lambda reply: None,
}


@dataclass
class WriteChecks:
    """Each list holds the markers of the writes in that case; all but `replayed` must be
    empty."""

    lost: list[str]  # acknowledged, not in the database
    duplicated: list[str]  # more than one row
    committed_unacknowledged: list[str]  # answered 5xx (or never) to the end, yet committed
    not_as_replied: list[str]  # the acknowledged reply names another row than the one there
    unanswered: list[str]  # never acknowledged within the retry time
    refused: list[str]  # answered 4xx
    # Answered 5xx or not at all, then a retry got the committed reply back (a commit whose
    # answer was lost): allowed, and reported with the statuses the client saw (0: none).
    replayed_after_failure: list[str]


class Databases:
    """Read-only queries on the stack's three databases."""

    def __init__(self, config: StackConfig):
        self._engines = {
            service: sa.create_engine(config.database_url(service)) for service in DATABASE_OWNERS
        }

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()

    def rows(self, service: str, query: str, **params) -> list:
        with self._engines[service].connect() as connection:
            return list(connection.execute(sa.text(query), params).scalars())

    def write_rows(self, write: Write) -> list:
        service, query = ROWS_OF[write.op]
        if write.op != "favorite":
            return self.rows(service, query, marker=write.marker)
        username, slug = write.marker.split("/", 1)
        user_id = self.rows("auth_service", ROWS_OF["user"][1], marker=username)
        return self.rows(service, query, slug=slug, user_id=user_id[0]) if user_id else []

    def check(self, writes: list[Write]) -> WriteChecks:
        checks = WriteChecks([], [], [], [], [], [], [])
        for write in writes:
            rows = self.write_rows(write)
            failed_first = any(not 200 <= status < 300 for status in write.statuses)
            if write.acknowledged:
                if not rows:
                    checks.lost.append(write.marker)
                replied = REPLIED[write.op](write.reply)
                if replied is not None and rows and rows[0] != replied:
                    checks.not_as_replied.append(write.marker)
                if write.replayed and failed_first:
                    checks.replayed_after_failure.append(f"{write.marker} {write.statuses}")
            elif write.statuses and 400 <= write.statuses[-1] < 500:
                checks.refused.append(write.marker)
            else:
                checks.unanswered.append(write.marker)
                if rows:
                    checks.committed_unacknowledged.append(write.marker)
            if len(rows) > 1:
                checks.duplicated.append(write.marker)
        return checks

    def inconsistencies(self) -> dict[str, list]:
        """Whole-database invariants the load's writes must keep."""
        return {
            "duplicate titles": self.rows(
                "webapp", "SELECT title FROM articles GROUP BY title HAVING count(*) > 1"
            ),
            "favorite counts off": self.rows(
                "webapp",
                "SELECT slug FROM articles a WHERE favorites_count !="
                " (SELECT count(*) FROM favorites f WHERE f.article_id = a.id)",
            ),
            "accounts without a profile": self._missing("user_service", "profiles", "id"),
            "accounts without an author copy": self._missing("webapp", "authors", "id"),
        }

    def _missing(self, service: str, table: str, column: str) -> list[str]:
        accounts = set(self.rows("auth_service", "SELECT id FROM accounts"))
        present = {str(value) for value in self.rows(service, f"SELECT {column} FROM {table}")}  # noqa: S608 (names above)
        return sorted(accounts - present)

    def undelivered_outbox(self) -> int:
        return self.rows(
            "auth_service", "SELECT count(*) FROM outbox_events WHERE delivered_at IS NULL"
        )[0]

    def wait_for_outbox(self, timeout: float) -> float | None:
        """Seconds until every outbox event is delivered; None if some are still pending."""
        started = time.monotonic()
        while self.undelivered_outbox():
            if time.monotonic() - started > timeout:
                return None
            time.sleep(0.2)
        return time.monotonic() - started
