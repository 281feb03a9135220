"""What a command module gives the CLI: ``register(commands)`` adds the command's sub-parser, its
options and ``set_defaults(run=...)``, the function that runs it and returns the exit status.

``wsd-service`` builds its parser from every command module, so a command module imports the
engine only inside ``run``: ``query`` and ``--server`` runs load none.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

# What ``ArgumentParser.add_subparsers`` returns; argparse names its type privately.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Run: TypeAlias = Callable[[argparse.Namespace], int]
Register: TypeAlias = Callable[[Commands], None]
