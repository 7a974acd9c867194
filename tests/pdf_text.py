"""Read the text back from a PDF that fpdf2 wrote (no PDF reader is installed).

fpdf2 embeds TrueType fonts as Type0/Identity-H: every shown string holds
2-byte glyph ids, and each font has a ToUnicode CMap that maps them back to
characters. This follows exactly that, and nothing more: it is a test helper
for our own cards, not a general PDF parser.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Dict, List

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _objects(data: bytes) -> Dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(data)}


def _stream(body: bytes) -> bytes:
    match = _STREAM.search(body)
    if not match:
        return b""
    raw = match.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _cmap(text: bytes) -> Dict[int, str]:
    mapping: Dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for start, end, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(uni, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def _literal(data: bytes, start: int) -> tuple:
    """The PDF literal string starting after '(' at `start`, and the index after its ')'."""
    out, depth, i = bytearray(), 1, start
    while i < len(data):
        ch = data[i:i + 1]
        if ch == b"\\":
            nxt = data[i + 1:i + 2]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
                continue
            octal = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            i += 2  # a line continuation or an unknown escape: drop the backslash
            continue
        if ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += ch
        i += 1
    return bytes(out), i


def pdf_lines(path: Path) -> List[str]:
    """The text of each BT…ET block (one line of a multi_cell), in order."""
    data = Path(path).read_bytes()
    objects = _objects(data)
    fonts: Dict[str, Dict[int, str]] = {}
    for body in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font = objects.get(int(ref), b"")
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
            if unicode_ref:
                fonts[name.decode()] = _cmap(_stream(objects[int(unicode_ref.group(1))]))
    lines: List[str] = []
    for body in objects.values():
        content = _stream(body)
        if b" Tj" not in content and b"TJ" not in content:
            continue
        current: Dict[int, str] = {}
        for block in re.split(rb"\bET\b", content):
            font = re.findall(rb"/(F\d+) [\d.]+ Tf", block)
            if font:
                current = fonts.get(font[-1].decode(), {})
            text, i = [], 0
            while True:
                i = block.find(b"(", i)
                if i < 0:
                    break
                raw, i = _literal(block, i + 1)
                text.append("".join(current.get(int.from_bytes(raw[k:k + 2], "big"), "")
                                    for k in range(0, len(raw) - 1, 2)))
            if text:
                lines.append("".join(text))
    return lines


def pdf_text(path: Path) -> str:
    return "\n".join(pdf_lines(path))


def pdf_flat(path: Path) -> str:
    """All text on one line, so a sentence wrapped over two lines is still found."""
    return " ".join(" ".join(pdf_lines(path)).split())
