"""Fixed-window counters keyed by string: in Redis, shared by every worker and replica, or in
this process.

A key's window starts at its first hit and lasts `window_seconds`; later hits do not extend it,
and once it ends the count starts again from zero. Redis is only a counter store here: while it
is unreachable (titanium_common.guarded_redis then leaves it alone for a while) each process
counts on its own, which is weaker but never open and never an error. With no Redis configured,
counting in process is simply the mode.

Counters serves the Flask services' threads, AsyncCounters the gateway's event loop. All but the
call that reaches Redis is shared: key names, the scripts and their replies, the in-process
table and the log lines.
"""

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from titanium_common.guarded_redis import AsyncGuardedRedis, GuardedRedis, RedisUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


class Window(NamedTuple):  # a tuple: cheap to make on every request
    """A key's count in its current window, and how long that window still runs."""

    count: int
    seconds_left: float

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds until the window ends, at least 1: a Retry-After value."""
        return max(1, math.ceil(self.seconds_left))


NO_WINDOW = Window(0, 0.0)


class InProcessCounters:
    """The windows of this process, thread-safe. Memory is bounded: ended windows are dropped as
    they are passed, and beyond `max_keys` the oldest windows are forgotten first, so a flood of
    new keys can cut old windows short but never grow the table."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (count, ends at), oldest window first.
        self._windows: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def hit(self, key: str, window_seconds: float) -> Window:
        now = self._clock()
        with self._lock:
            self._forget_ended(now)
            count, ends_at = self._windows.get(key, (0, now))
            if ends_at <= now:
                count, ends_at = 0, now + window_seconds
                self._windows.pop(key, None)  # a new window goes last: the order is of starts
            self._windows[key] = (count + 1, ends_at)
            if len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)
        return Window(count + 1, ends_at - now)

    def peek(self, key: str) -> Window:
        now = self._clock()
        with self._lock:
            count, ends_at = self._windows.get(key, (0, now))
        return Window(count, ends_at - now) if ends_at > now else NO_WINDOW

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def __len__(self) -> int:
        return len(self._windows)

    def _forget_ended(self, now: float) -> None:
        # Windows of one length end in the order they started, so ended ones gather at the front.
        while self._windows:
            key, (_, ends_at) = next(iter(self._windows.items()))
            if ends_at > now:
                return
            del self._windows[key]


# One round trip per hit. The expiry is set when the key has none, that is by the first hit of a
# window, so later hits never extend it. Milliseconds: a window need not be whole seconds.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], left)
end
return {count, left}
"""
PEEK_SCRIPT = """
return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}
"""


class _Call(NamedTuple, Generic[T]):
    """One operation, both ways: in Redis, or in process."""

    command: Callable[[Any], Any]  # given a sync or asyncio client: the reply, or an awaitable
    result: Callable[[Any], T]  # the command's reply -> the result
    in_process: Callable[[], T]


class _Counters:
    """What both flavours share; each only says how a _Call's command reaches Redis."""

    def __init__(self, client: Redis | AsyncRedis | None, key_prefix: str):
        self.local = InProcessCounters()
        self._key_prefix = key_prefix
        if client is not None:
            # Either client registers a script the same way (and reloads it if Redis forgot it).
            self._hit_script = client.register_script(HIT_SCRIPT)
            self._peek_script = client.register_script(PEEK_SCRIPT)
        self._in_process_since_failure = False

    def _hit(self, key: str, window_seconds: float) -> _Call[Window]:
        keys, args = [self._key_prefix + key], [max(1, round(window_seconds * 1000))]
        return _Call(
            lambda client: self._hit_script(keys, args, client=client),
            _window,
            lambda: self.local.hit(key, window_seconds),
        )

    def _peek(self, key: str) -> _Call[Window]:
        return _Call(
            lambda client: self._peek_script([self._key_prefix + key], client=client),
            _window,
            lambda: self.local.peek(key),
        )

    def _clear(self, key: str) -> _Call[None]:
        # In process too, either way: it may hold counts made while Redis was away.
        return _Call(
            lambda client: client.delete(self._key_prefix + key),
            lambda _: self.local.clear(key),
            lambda: self.local.clear(key),
        )

    def _answered(self, result: T) -> T:
        if self._in_process_since_failure:
            self._in_process_since_failure = False
            log.info("counting in redis again")
        return result

    def _failed(self, error: RedisUnavailable) -> None:
        # Once per outage, not per call: while backing off, every call lands here at no cost.
        if not self._in_process_since_failure:
            self._in_process_since_failure = True
            log.warning(
                "counting in process until redis answers: each process enforces its own limits",
                extra={"error": str(error)},
            )


def _window(reply: list) -> Window:
    count, milliseconds_left = reply
    return Window(int(count), max(int(milliseconds_left), 0) / 1000) if count else NO_WINDOW


class Counters(_Counters):
    """Fixed-window counters for threads (the Flask services)."""

    def __init__(self, redis: GuardedRedis, key_prefix: str):
        super().__init__(redis.client, key_prefix)
        self._redis = redis

    def hit(self, key: str, window_seconds: float) -> Window:
        """Count one event for `key`, in a window that starts now if none is running."""
        return self._run(self._hit(key, window_seconds))

    def peek(self, key: str) -> Window:
        return self._run(self._peek(key))

    def clear(self, key: str) -> None:
        """End `key`'s window; while Redis is away, its Redis window ends on its own."""
        self._run(self._clear(key))

    def _run(self, call: _Call[T]) -> T:
        if self._redis.client is not None:
            try:
                return self._answered(call.result(self._redis.run(call.command)))
            except RedisUnavailable as error:
                self._failed(error)
        return call.in_process()


class AsyncCounters(_Counters):
    """Fixed-window counters for an asyncio event loop (the gateway). `redis` None: in process."""

    def __init__(self, redis: AsyncGuardedRedis | None, key_prefix: str):
        super().__init__(None if redis is None else redis.client, key_prefix)
        self._redis = redis

    async def hit(self, key: str, window_seconds: float) -> Window:
        """Count one event for `key`, in a window that starts now if none is running."""
        return await self._run(self._hit(key, window_seconds))

    async def peek(self, key: str) -> Window:
        return await self._run(self._peek(key))

    async def clear(self, key: str) -> None:
        """End `key`'s window; while Redis is away, its Redis window ends on its own."""
        await self._run(self._clear(key))

    async def backend(self) -> str:
        """For /readyz: where the counts live; raises when the configured Redis does not answer."""
        if self._redis is None:
            return "in-process"
        await self._redis.client.ping()
        return "redis"

    async def _run(self, call: _Call[T]) -> T:
        if self._redis is not None:
            try:
                return self._answered(call.result(await self._redis.run(call.command)))
            except RedisUnavailable as error:
                self._failed(error)
        return call.in_process()
