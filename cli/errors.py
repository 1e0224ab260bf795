"""The command line's own error: what the user asked for cannot be done.

A leaf module (it imports nothing of the project), so every command raises
the one class whether the program started as `pico-rogue` or `python -m cli`."""


class UsageError(Exception):
    """A problem with what the user asked for: one line, exit status 2."""
