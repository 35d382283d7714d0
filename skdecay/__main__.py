"""The ``skdecay`` command: ``skdecay study ...`` or ``python -m skdecay study ...``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skdecay`` command with ``argv`` (default: the process's)."""
    from . import __version__
    from ._study._cli import add_parser

    parser = argparse.ArgumentParser(
        prog="skdecay",
        description="skdecay: weight decay, L1 and elastic net for scikit-learn.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    add_parser(subparsers)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
