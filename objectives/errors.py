"""The one exception type a user can cause."""


class RtlboError(Exception):
    """A problem the user can fix: the message is one line that names the cause and the fix."""
