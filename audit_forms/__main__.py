"""Command line: `python -m audit_forms check [PATH ...]`.

Checks definition files (folders: their *.yaml files; no path: the built-in definitions),
prints one line per good file and one per problem (each naming its file) to standard output,
and exits with 1 when any file has a problem.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from audit_forms.check import check_paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit_forms")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check form definition files")
    check.add_argument("paths", nargs="*", help="files or folders (default: built-in forms)")
    args = parser.parse_args(argv)

    ok, lines = check_paths(args.paths)
    for line in lines:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
