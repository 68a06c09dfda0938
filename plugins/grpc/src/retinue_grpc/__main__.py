"""``python -m retinue_grpc host|worker ...``: the same as ``retinue grpc ...``."""

from __future__ import annotations

import argparse
import sys

from retinue import RetinueError

from ._cli_args import add_grpc_command


def main() -> int:
    """Parse ``sys.argv`` as the arguments of ``retinue grpc``."""
    parser = argparse.ArgumentParser(prog="python -m retinue_grpc")
    add_grpc_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["grpc", *sys.argv[1:]])
    try:
        return int(args.handler(args) or 0)
    except RetinueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
