"""Where profile changes go: every service that keeps a copy of the accounts' public profiles.

Each gets its own outbox row per change, delivered, retried and counted on its own, so a
destination that is down delays nobody else. Every receiver applies a snapshot only if its
version is newer than the one it holds.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Destination:
    base_url_setting: str  # the setting holding the service's base URL
    path: str  # the receiving endpoint, with {} for the account id


DESTINATIONS = {
    # The profiles' system of record for readers (and follows).
    "user_service": Destination("USER_SERVICE_URL", "/internal/profiles/{}"),
    # The authors its pages and replies show, without asking user_service (ADR 0012).
    "webapp": Destination("WEBAPP_URL", "/internal/authors/{}"),
}
# Rows written before destinations existed (and by a release that predates them) are this one's.
FIRST_DESTINATION = "user_service"
