"""The one error a topic raises: a topic file that cannot be used, named with its file and line."""

from __future__ import annotations

from newswatch.core.errors import NewswatchError


class TopicError(NewswatchError, ValueError):
    """A topic file that cannot be used; the message names the file, the line and the reason in words."""

    label = "topic"
