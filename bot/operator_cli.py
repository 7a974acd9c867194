"""What the operator commands (`python -m bot reminders|report ...`) share."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence, Union


def parse_operator_args(parser: argparse.ArgumentParser, argv: Optional[Sequence[str]],
                        command: str) -> Union[argparse.Namespace, int]:
    """The parsed arguments, or the exit code when argparse has already
    answered (--help, or a clear message about a wrong argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == command:
        args = args[1:]
    try:
        return parser.parse_args(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
