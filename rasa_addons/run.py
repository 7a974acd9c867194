"""Start `rasa run` with the API token taken from the environment (and the
speed fixes of rasa_addons/speedups.py).

The launcher runs `python -m rasa_addons.run <rasa run options>`. Rasa only takes
its token as `--auth-token`, and a command line is readable by every local
user (`ps`); the environment of a process is readable only by its owner.
"""

from __future__ import annotations

import os
import sys
from typing import List, Sequence


def rasa_argv(options: Sequence[str], token: str) -> List[str]:
    """The argv for `rasa run`. The token goes in the `--auth-token=<token>`
    form: a separate argument that starts with '-' is read as an option."""
    return ["rasa", "run", *options, f"--auth-token={token}"]


def main() -> None:
    token = os.environ.get("REGIECOACH_RASA_TOKEN", "")
    if not token:
        raise SystemExit("REGIECOACH_RASA_TOKEN ontbreekt")
    sys.argv = rasa_argv(sys.argv[1:], token)
    # Before anything imports TensorFlow (Rasa's policies do): skops, which
    # loads our intent model, looks up the module of ~860 types in every
    # loaded module when it is imported, and TensorFlow loads thousands.
    import skops.io  # noqa: F401

    from rasa_addons import speedups

    speedups.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
