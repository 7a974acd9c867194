"""The shared send budget, on a virtual clock: never more than Telegram allows
in any second, close to the allowance when busy, and replies before reminders."""

from __future__ import annotations

import asyncio
from time import monotonic

from bot.ratelimit import BACKGROUND, RateLimiter


class VirtualTime:
    """Only the limiter's gate holder sleeps, so one shared clock is consistent."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def most_in_any_second(moments: list[float]) -> int:
    moments = sorted(moments)
    best, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_burst_of_sends_stays_under_thirty_a_second_and_near_the_allowance():
    time = VirtualTime()
    limiter = RateLimiter(per_second=28, clock=time.clock, sleep=time.sleep)
    granted: list[float] = []

    async def send() -> None:
        await limiter.acquire()
        granted.append(time.now)

    async def main() -> None:
        await asyncio.gather(*(send() for _ in range(1000)))

    asyncio.run(main())
    assert len(granted) == 1000
    assert most_in_any_second(granted) <= 28
    assert 1000 / max(granted) >= 27


def test_a_reply_does_not_wait_behind_a_mass_send_of_reminders():
    time = VirtualTime()
    limiter = RateLimiter(per_second=28, clock=time.clock, sleep=time.sleep)
    order: list[str] = []

    async def reminder(n: int) -> None:
        BACKGROUND.set(True)  # as the scheduler marks its tasks
        await limiter.acquire()
        order.append(f"reminder {n}")

    async def reply() -> None:
        while len(order) < 100:  # the mass send is well under way
            await asyncio.sleep(0)
        waiting_before = len(order)
        await limiter.acquire()
        order.append("reply")
        assert order.index("reply") <= waiting_before + 2

    async def main() -> None:
        await asyncio.gather(*(reminder(n) for n in range(300)), reply())

    asyncio.run(main())
    assert len(order) == 301
    assert order.index("reply") < 110


def test_sends_that_leave_late_never_bunch_up_on_telegrams_side():
    """A busy event loop or network delivers some requests late: counting a
    send until it is answered keeps every second on Telegram's side within
    the allowance (counting only when a send was allowed let late and prompt
    requests arrive together)."""
    limiter = RateLimiter(per_second=5, window=0.2)
    arrived: list[float] = []

    async def send(late: bool) -> None:
        async with limiter.sending():
            await asyncio.sleep(0.18 if late else 0.0)  # on its way
            arrived.append(monotonic())

    async def main() -> None:
        await asyncio.gather(*(send(late=n < 5) for n in range(15)))

    asyncio.run(main())
    assert len(arrived) == 15
    assert most_in_any_window(arrived, 0.2) <= 5


def most_in_any_window(moments: list[float], window: float) -> int:
    return most_in_any_second([m / window for m in moments])
