"""One send budget for everything that goes to Telegram.

Telegram allows about 30 messages a second per bot (and 1 a second per chat,
which the bridge paces). User replies and the scheduler's reminders share one
`RateLimiter` in the Telegram channel, so together they stay under the limit.

It is a sliding window: at most `per_second` grants in any `window` seconds,
checked against the clock when a waiter wakes up, so a stalled event loop
never releases a burst. Reminders are background sends: only one of them waits
at the gate at a time, so a user's reply never queues behind a mass send.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque
from typing import Awaitable, Callable, Deque, Optional

# Set by the scheduler in its own tasks; the channel does not need to know who sends.
BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("regiecoach_background_send", default=False)

PER_SECOND = 28  # Telegram's ~30 a second, with room for clock and network jitter


class RateLimiter:
    def __init__(self, per_second: int = PER_SECOND, window: float = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._grants: Deque[float] = deque(maxlen=per_second)
        self._gate = asyncio.Lock()  # FIFO; only the holder sleeps
        self._background = asyncio.Lock()

    async def acquire(self, background: Optional[bool] = None) -> None:
        """Wait until one more message may go out."""
        if background is None:
            background = BACKGROUND.get()
        if background:
            async with self._background:
                await self._take()
        else:
            await self._take()

    async def _take(self) -> None:
        async with self._gate:
            while len(self._grants) == self._grants.maxlen:
                wait = self._grants[0] + self.window - self.clock()
                if wait <= 0:
                    break
                await self.sleep(wait)
            self._grants.append(self.clock())  # the oldest grant drops out
