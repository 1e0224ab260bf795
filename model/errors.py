"""The model library's own errors. The command line (cli/) prints a
ModelError as one line and exits with status 2; the game shows it and plays
on with the rules."""


class ModelError(Exception):
    """A problem with what was asked of the model (weights, data, settings), in a message that names it."""


class UsageError(ModelError):
    """A request the model cannot carry out as asked: a setting, a path, a preset."""
