"""`pico-rogue`: the command line, the project's composition root.

It reads the arguments (cli/parser.py), runs the command's module (cli/<command>.py,
imported only when asked for, so `generate` never pays for numpy or textual and
only `train` for torch), and turns every expected failure of the libraries below
it into one clear line. Nothing in game/ or model/ imports it."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

# before anything loads numpy: the model's small matrices run fastest on one
# OpenBLAS thread (see model/__init__.py); a setting of the user's own wins
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from cli.errors import UsageError  # noqa: E402
from cli.parser import parser  # noqa: E402
from game.combat import limits  # noqa: E402
from game.combat.content import ContentError  # noqa: E402
from game.combat.inert import inert  # noqa: E402
from model.errors import ModelError  # noqa: E402 - the model library's errors (weights, data, settings): one line each

# the command -> "module:function" that runs it
COMMANDS = {
    "play": "cli.play:main",
    "serve": "cli.serve:main",
    "replay": "cli.replay:main",
    "selfplay": "cli.selfplay:main",
    "runs": "cli.runs:main",
    "generate": "cli.generate:main",
    "resolve": "cli.resolve:main",
    "train": "cli.train:main",
    "quantize": "cli.quantize:main",
    "eval": "cli.eval:main",
    "bench": "cli.bench:main",
    "specialists": "cli.specialists:main",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["play", *argv]  # like crawl and nethack, the bare command plays: `pico-rogue --seed 7`
    args = parser().parse_args(argv)
    from cli.packs import apply, done
    from game.records.files import RecordError

    try:
        apply(args)  # --pack: the content every part of the command reads
        module, function = COMMANDS[args.command].split(":")
        code = getattr(importlib.import_module(module), function)(args) or 0
        try:
            sys.stdout.flush()  # a full disk under stdout is reported here, not at exit
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, "<stdout>") from None
        return code
    except (UsageError, ContentError, ModelError, RecordError, limits.LimitError) as exc:
        _say(args.command, str(exc))
        return 2
    except KeyboardInterrupt as exc:
        return getattr(exc, "exit_status", 130)
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as exc:  # any file the command touched: the path and the cause, one line
        _quiet_stdout()
        _say(args.command, _os_error(exc))
        return 2
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
        if os.environ.get("PICO_DEBUG"):
            raise
        _say(args.command, f"internal error: {type(exc).__name__}: {exc} (PICO_DEBUG=1 shows the traceback)")
        return 1
    finally:
        done(args)


def _say(command: str, text: str) -> None:
    """One line on stderr; the text may hold a path or a file's words, so it is inert."""
    print(f"pico-rogue {command}: {inert(text, lines=False)}", file=sys.stderr)


def _os_error(exc: OSError) -> str:
    cause = exc.strerror or str(exc)
    if exc.filename is None:
        return cause
    path = Path(os.fsdecode(exc.filename))
    if path.is_symlink() and not path.exists():
        return f"{path}: a link to {os.readlink(path)}, which does not exist"
    return f"{path}: {cause[0].lower()}{cause[1:]}" if cause else str(path)


def _quiet_stdout() -> None:
    """After stdout failed (a closed pipe, a full disk), point it at /dev/null
    so the interpreter's own flush at exit has nothing left to fail on.
    Only the process's own stdout: a caller that swapped sys.stdout (a test)
    keeps its streams."""
    if sys.stdout is not sys.__stdout__:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
