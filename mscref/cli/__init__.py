"""The command line: parse, call the library, render. Data goes to stdout, messages to stderr.

The only layer that knows about a terminal. ``app.py`` holds the application and its error
edge, ``common.py`` what the commands share, and ``commands/`` one module per command.
"""

from mscref.cli import commands  # noqa: F401  (registers every command on the app)
from mscref.cli.app import BUG_EXIT, app, app_for, main

__all__ = ["BUG_EXIT", "app", "app_for", "main"]
