"""One send budget for everything that goes to Telegram.

Telegram allows about 30 messages a second per bot (and 1 a second per chat,
which the bridge paces). User replies and the scheduler's reminders share one
`RateLimiter` in the Telegram channel, so together they stay under the limit.

It is a sliding window over the moments Telegram may receive a message. A
message reaches Telegram somewhere between the moment we start sending it
and the moment its answer is back, so `sending()` counts a send from its
start until one `window` after its answer: then no second on Telegram's
side holds more than `per_second` of ours, however late a request leaves a
busy event loop or the network delivers it. (Counting the moment a send was
allowed, as before, let a stalled loop bunch late requests with prompt ones:
52 answers of 429 in 3,000 check-ins on a busy machine.) Waiters are checked
against the clock when they wake, so a stall never releases a burst.
Reminders are background sends: only one of them waits at the gate at a
time, so a user's reply never queues behind a mass send.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import deque
from typing import AsyncIterator, Awaitable, Callable, Deque, Optional

# Set by the scheduler in its own tasks; the channel does not need to know who sends.
BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("regiecoach_background_send", default=False)

# Below Telegram's ~30 a second: the window already covers the network, so
# one message of room is left for the difference between our clock and theirs.
PER_SECOND = 29


class RateLimiter:
    def __init__(self, per_second: int = PER_SECOND, window: float = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_second = per_second
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._finished: Deque[float] = deque()  # when recent sends were answered
        self._in_flight = 0
        self._answered = asyncio.Event()
        self._gate = asyncio.Lock()  # FIFO; only the holder sleeps
        self._background = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def sending(self, background: Optional[bool] = None) -> AsyncIterator[None]:
        """Wait until one more message may go out; send it inside the block."""
        await self._wait_turn(background)
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._finished.append(self.clock())
            self._answered.set()

    async def acquire(self, background: Optional[bool] = None) -> None:
        """Wait for a send that is over at once (it counts from now)."""
        async with self.sending(background):
            pass

    async def _wait_turn(self, background: Optional[bool]) -> None:
        if background is None:
            background = BACKGROUND.get()
        if background:
            async with self._background:
                await self._take()
        else:
            await self._take()

    async def _take(self) -> None:
        async with self._gate:
            while True:
                now = self.clock()
                while self._finished and self._finished[0] + self.window <= now:
                    self._finished.popleft()
                if len(self._finished) + self._in_flight < self.per_second:
                    return
                if self._finished:
                    await self.sleep(self._finished[0] + self.window - now)
                else:  # all in flight: the window starts when the first is answered
                    self._answered.clear()
                    await self._answered.wait()
