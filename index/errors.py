"""The one base error: every failure a user can cause or meet carries its HTTP status and exit code.

The API has one handler for ``NewsQAError`` (status and message) and the CLI one ``except``
(message and exit code); no table maps exception classes to statuses by hand.
"""

from __future__ import annotations


class NewsQAError(Exception):
    """A failure explained in the user's words; ``str(error)`` is what they are shown."""

    #: The HTTP status an API response carries for this error.
    http_status: int = 500
    #: The exit code of a command that stops on this error (1: it failed; 2: it was called wrongly).
    exit_code: int = 1
