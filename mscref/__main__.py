"""The ``mscref`` command and ``python -m mscref``.

A tiny module on purpose: Ctrl-C is answered from the first moment, before the command line's
imports (Typer, Rich, the data layer) begin, so an interrupt at any time ends the program
quietly with exit code 130 instead of a traceback.
"""

import signal
import sys

#: Exit code after Ctrl-C: 128 + SIGINT, as a shell reports it.
INTERRUPTED_EXIT = 130


def _interrupted(signum: int, frame: object) -> None:
    # SystemExit, not KeyboardInterrupt: it passes every handler on the way out (click turns a
    # KeyboardInterrupt into its own exit) while `finally` blocks still clean up, and Python
    # prints nothing for it.
    raise SystemExit(INTERRUPTED_EXIT)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted)
    from mscref.cli import main as run_cli

    run_cli(sys.argv[1:])


if __name__ == "__main__":
    main()
