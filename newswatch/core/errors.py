"""The failures a user can act on: each is shown as one line naming what to fix, never as a traceback.

The CLI maps them by type (``label`` and ``exit_code``); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class NewswatchError(Exception):
    label = "error"
    exit_code = 2


class UsageError(NewswatchError, ValueError):
    """A command asked for something that does not exist (an unknown source, rule or file)."""

    label = "usage"
