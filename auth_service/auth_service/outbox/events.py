"""Writing events: always in the same session (so the same transaction) as the account change."""

from auth_service.extensions import db
from auth_service.models import Account, OutboxEvent


def record_profile_change(account: Account) -> OutboxEvent:
    """Queue the account's full profile snapshot; the caller's commit makes it durable."""
    event = OutboxEvent(account_id=account.id, payload={"profile": account.profile_snapshot()})
    db.session.add(event)
    return event
