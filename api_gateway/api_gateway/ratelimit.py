"""Per-client fixed-window rate limits, counted by titanium_common.counters: in Redis, shared by
every worker and replica, or in this process.

A client's window starts at its first request, not at a multiple of the window since the epoch:
replicas sharing Redis share it all the same, whatever their clocks say, and the login throttle
counts the same way. While Redis is unreachable each process counts on its own, so each replica
then enforces the limit on its own share of traffic.
"""

from dataclasses import dataclass

from titanium_common.counters import AsyncCounters


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0


class RateLimiter:
    def __init__(self, counters: AsyncCounters, *, limit: int, window_seconds: float):
        self._counters = counters
        self._limit = limit
        self._window_seconds = window_seconds

    @property
    def enabled(self) -> bool:
        return self._limit > 0

    async def hit(self, client: str) -> Decision:
        """Count one request by `client` and say whether it is within the limit."""
        window = await self._counters.hit(client, self._window_seconds)
        if window.count <= self._limit:
            return Decision(allowed=True)
        return Decision(allowed=False, retry_after_seconds=window.retry_after_seconds)

    async def backend(self) -> str:
        """For /readyz: where counters live; raises when the configured Redis is down."""
        return await self._counters.backend()
