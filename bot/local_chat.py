"""The local terminal chat: the same bridge, storage and scheduler as the
Telegram bot, with stdin and stdout instead of Telegram.

Buttons are shown numbered; the user answers with the number or the title.
Each reply is flushed at once, so a program can talk through a pipe.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import uuid
from typing import Callable, List, Optional, Sequence, TextIO, Tuple

from bot.bridge import Bridge, OutMessage
from regiecoach.commands import payload_for_typed


class TerminalChannel:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.buttons: List[Tuple[str, str]] = []  # the latest keyboard: (title, button id)

    async def deliver(self, chat_id: str, message: OutMessage, button_ids: Sequence[str]) -> None:
        lines = []
        if message.text:
            lines.append(message.text)
        if message.document:
            lines.append(f"[Document: {message.document.get('filename')} -> {message.document.get('path')}]")
        if message.photo:
            lines.append(f"[Foto: {message.photo.get('path')}]")
        if message.buttons:
            self.buttons = [(title, button_id) for (title, _), button_id in zip(message.buttons, button_ids)]
            lines.extend(f"  {number}) {title}" for number, (title, _) in enumerate(self.buttons, start=1))
        self.out.write("Regiecoach: " + "\n".join(lines) + "\n")
        self.out.flush()

    def resolve(self, text: str) -> Optional[str]:
        """The button id for '2' or a button title, if the user chose one."""
        choice = text.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.buttons[int(choice) - 1][1]
        for title, button_id in self.buttons:
            if choice.lower() == title.lower():
                return button_id
        return None


def _start_reader(read_line: Callable[[], Optional[str]]) -> asyncio.Queue[Optional[str]]:
    """Read stdin in a daemon thread, so Ctrl-C never waits for a blocked read."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Optional[str]] = asyncio.Queue()

    def run() -> None:
        while True:
            line = read_line()
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if line is None:
                return

    threading.Thread(target=run, name="stdin-reader", daemon=True).start()
    return queue


async def chat_loop(bridge: Bridge, channel: TerminalChannel, chat_id: str,
                    read_line: Callable[[], Optional[str]], interactive: bool) -> None:
    lines = _start_reader(read_line)
    while True:
        if interactive:
            sys.stdout.write("Jij: ")
            sys.stdout.flush()
        line = await lines.get()
        if line is None:
            return
        typed = text = line.rstrip("\n")
        button_id = channel.resolve(text)
        if button_id:
            button = bridge.press_button(chat_id, button_id)
            channel.buttons = []
            if button:
                typed, text = "", button["payload"]
        else:
            text = payload_for_typed(text)
        # The crisis check reads what was typed, also when Rasa gets a command's payload.
        await bridge.handle_text(chat_id, text, f"local:{uuid.uuid4().hex}", crisis_text=typed)


def stdin_reader(stream: TextIO = sys.stdin) -> Callable[[], Optional[str]]:
    def read() -> Optional[str]:
        line = stream.readline()
        return line if line else None

    return read
