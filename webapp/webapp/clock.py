"""Timestamps as the API shows them: UTC with millisecond precision."""

from datetime import UTC, datetime, timedelta

ONE_MS = timedelta(milliseconds=1)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def strictly_after(previous: datetime) -> datetime:
    """Now, or one millisecond after `previous` if the clock has not moved past it yet."""
    return max(now_ms(), as_utc(previous) + ONE_MS)


def iso_ms(moment: datetime) -> str:
    """2025-01-31T09:15:02.123Z"""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
