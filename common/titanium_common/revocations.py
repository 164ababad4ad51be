"""What a reader of auth_service's revocation feed knows: for each account whose sessions and
tokens were ended, the lowest token version still valid.

auth_service ends everything an account signed in with by raising its token version (a password
change, a reset, an operator's `users sign-out`) and lists the new version at REVOCATIONS_PATH.
The gateway (API tokens) and webapp (browser sessions) each keep a RevocationList in memory and
ask the feed every REVOCATION_POLL_SECONDS for what is new, so checking a token or a session is a
dictionary lookup: no request waits for the network. Only the fetching differs (the gateway's
event loop, webapp's threads); what is asked and what the answer means is here, once.

The feed answers `{"revocations": [{"account", "version", "at"}], "next_since", "complete"}`:
the caller asks again with `since=next_since`, at once while `complete` is false (a long
backlog comes in pages), else at its next poll. An entry matters only while something signed
before it can still be valid (a token's or a session's lifetime), so a list forgets entries
older than its `keep_seconds`, and a fresh list asks for that much history.
"""

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from titanium_common.settings import Setting

log = logging.getLogger(__name__)


def revocation_settings(service: str) -> list[Setting]:
    """What every reader of the feed is told: how often to ask."""
    return [
        Setting(
            "REVOCATION_POLL_SECONDS",
            10.0,
            "how often auth_service's revocation feed is read: what a password change ends (API "
            "tokens at the gateway, browser sessions in webapp) stops working this long after",
            service,
        )
    ]


# Pages a poll follows before leaving the rest to the next one: a reader catches up on any
# backlog without one poll running unbounded.
MAX_PAGES_PER_POLL = 20


class MalformedFeed(ValueError):
    """The feed answered something that is not a revocation page."""


class RevocationList:
    def __init__(self, keep_seconds: float, clock: Callable[[], float] = time.time):
        self._keep_seconds = keep_seconds
        self._clock = clock
        # account id -> (lowest valid version, when it was raised)
        self._minimum: dict[str, tuple[int, float]] = {}
        self.since = clock() - keep_seconds
        self._read = False  # the feed has been read to its end at least once
        self._failures = 0  # reads failed in a row

    def allows(self, account_id: str, version: int) -> bool:
        """Whether something signed in at `version` is still valid for this account."""
        entry = self._minimum.get(account_id)
        return entry is None or version >= entry[0]

    def raise_minimum(self, account_id: str, version: int, at: float) -> None:
        """Record that versions below `version` ended at `at` (entries only ever go up)."""
        current = self._minimum.get(account_id)
        if current is None or version > current[0]:
            self._minimum[account_id] = (version, at)

    def apply(self, page: object) -> bool:
        """Merge one page of the feed; returns whether it was the last one (`complete`).

        Raises MalformedFeed, changing nothing, when the page is not what the feed sends.
        """
        entries, next_since, complete = _parse(page)
        for account_id, version, at in entries:
            self.raise_minimum(account_id, version, at)
        self.since = next_since
        if complete:
            self._forget_old()
            if self._failures >= self._failures_to_warn():
                log.info("revocation feed read again")
            self._read, self._failures = True, 0
        return complete

    def read_failed(self, error: Exception) -> None:
        """The feed could not be read: what is known keeps applying; logged once per outage."""
        self._failures += 1
        if self._failures == self._failures_to_warn():
            log.warning(
                "revocation feed unreadable: what it ends meanwhile passes until it is read",
                extra={"error": repr(error)},
            )

    def _failures_to_warn(self) -> int:
        # The whole stack starts at once: a first read before auth_service answers is expected,
        # not an outage; failing again, it is one.
        return 1 if self._read else 2

    def __len__(self) -> int:
        return len(self._minimum)

    def _forget_old(self) -> None:
        horizon = self._clock() - self._keep_seconds
        for account_id in [a for a, (_, at) in self._minimum.items() if at < horizon]:
            del self._minimum[account_id]


def _parse(page: object) -> tuple[list[tuple[str, int, float]], float, bool]:
    if not isinstance(page, Mapping):
        raise MalformedFeed("not a JSON object")
    raw_entries, next_since, complete = (
        page.get("revocations"),
        page.get("next_since"),
        page.get("complete"),
    )
    if not isinstance(raw_entries, list) or not _is_time(next_since) or type(complete) is not bool:
        raise MalformedFeed("revocations, next_since or complete missing")
    entries = []
    for entry in raw_entries:
        if not isinstance(entry, Mapping):
            raise MalformedFeed("an entry is not an object")
        account_id, version, at = entry.get("account"), entry.get("version"), entry.get("at")
        if not isinstance(account_id, str) or type(version) is not int or not _is_time(at):
            raise MalformedFeed("an entry lacks account, version or at")
        entries.append((account_id, version, float(at)))
    return entries, float(next_since), complete


def _is_time(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def feed_query(revocations: RevocationList) -> dict[str, str]:
    """The query string of the next request to the feed."""
    return {"since": f"{revocations.since:.6f}"}
