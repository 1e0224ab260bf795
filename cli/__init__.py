"""`pico-rogue`: the command line. Each command lives in its own module; this
file only reads the arguments and turns expected failures into one clear line."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

# before anything loads numpy: the model's small matrices run fastest on one
# OpenBLAS thread (see model/__init__.py); a setting of the user's own wins
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from game.combat import limits  # noqa: E402
from game.combat.content import ContentError  # noqa: E402
from game.combat.inert import inert  # noqa: E402
from model.errors import ModelError  # noqa: E402 - the model library's errors (weights, data, settings): one line each


class UsageError(Exception):
    """A problem with what the user asked for: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (no usage dump), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _generate(args: argparse.Namespace) -> int:
    from game.world.generate import transitions

    name = str(args.out) if args.out else "<stdout>"
    try:
        out = open(args.out, "w") if args.out else sys.stdout  # noqa: SIM115 - closed below
        try:
            records = transitions(args.n, args.seed)
            if args.n >= 10_000 and not args.quiet:
                from rich.progress import track

                records = track(records, total=args.n, description="generating", console=_stderr_console(), transient=True)
            for record in records:
                out.write(json.dumps(record) + "\n")
            out.flush()
        finally:
            if out is not sys.stdout:
                out.close()
    except OSError as exc:
        if exc.filename is None and not isinstance(exc, BrokenPipeError):  # a write's error names no file: name it
            raise OSError(exc.errno, exc.strerror, name) from None
        raise
    return 0


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _resolve(args: argparse.Namespace) -> int:
    if args.model:
        from model.resolver import load_resolver

        resolver = load_resolver(args.weights, threads=args.threads, runtime=args.runtime)
    else:
        from game.combat.resolver import EngineResolver

        resolver = EngineResolver()
    stdin = sys.stdin.buffer  # bytes: decoded per line, so one line of bad UTF-8 is one error line
    for n, raw in limits.lines(stdin, limits.LINE_BYTES):
        if raw is not None and not raw.strip():
            continue
        answer = json.dumps(_answer(n, raw, resolver, args.model))
        try:
            print(answer, flush=True)
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk under stdout: name it
            raise OSError(exc.errno, exc.strerror, "<stdout>") from None
    return 0


def _answer(n: int, raw: bytes | None, resolver, model: bool) -> dict:
    """The answer to one line of `resolve`'s stream: {"next": ...} or
    {"error": "line N: ...", "line": N}. Nothing in a line ends the stream."""

    def error(what: str) -> dict:
        return {"error": f"line {n}: {what}", "line": n}

    if raw is None:
        return error(f"longer than {limits.LINE_BYTES:,} bytes (the line cap); skipped")
    try:
        request = limits.json_loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return error(f"not UTF-8 text (byte {exc.start})")
    except limits.LimitError as exc:
        return error(str(exc))
    except ValueError:
        return error("expected a JSON object with a 'prompt' text")
    prompt = request.get("prompt") if isinstance(request, dict) else None
    if not isinstance(prompt, str):
        return error("expected a JSON object with a 'prompt' text")
    if len(prompt) > limits.TEXT_CHARS:
        return error(f"a prompt of {len(prompt):,} characters (at most {limits.TEXT_CHARS:,})")
    try:
        r = resolver.resolve(prompt)
    except Exception as exc:  # noqa: BLE001 - one line's failure must not end the stream
        return error(f"internal error: {type(exc).__name__}: {exc}")
    if r.refused:
        return error(r.error)
    return {"next": r.text, "valid": r.valid} if model else {"next": r.text}


# name -> "module:function" for commands that live elsewhere (imported lazily,
# so `generate` never pays for numpy or textual, and only `train` for torch).
COMMANDS = {
    "play": "game.ui.app:main",
    "serve": "game.ui.serve:main",
    "replay": "game.ui.replay:main",
    "selfplay": "game.world.selfplay:main",
    "runs": "game.ui.runs:main",
    "train": "model.training.train:main",
    "quantize": "model.quantize:main",
    "eval": "model.evaluation.evaluate:main",
    "bench": "model.evaluation.bench:main",
}
RUNTIMES = ("numpy", "torch")  # model.resolver.RUNTIMES, without importing the model for --help


def _runtime(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runtime", choices=RUNTIMES, default="numpy",
                   help="what runs the network: numpy (default) or torch (for checking; needs pico-rogue[train])")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pico-rogue", description="A roguelike whose combat a tiny model resolves beside the rules.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    play = sub.add_parser("play", help="play the game")
    play.add_argument("--seed", type=int, help="run seed (same seed, same dungeon)")
    play.add_argument("--trust-model", action="store_true", help="let the model's next state drive the game")
    play.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    play.add_argument("--saves", type=Path, help="where battles and runs are written (default: saves/)")
    _runtime(play)

    serve = sub.add_parser("serve", help="play the game in a browser (textual-serve)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--host", default="localhost", help="address to listen on (default localhost)")
    serve.add_argument("--seed", type=int, help="run seed (same seed, same dungeon)")
    serve.add_argument("--trust-model", action="store_true", help="let the model's next state drive the game")
    serve.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    serve.add_argument("--saves", type=Path, help="where battles and runs are written (default: saves/)")
    _runtime(serve)

    replay = sub.add_parser("replay", help="replay a saved battle, or a run's battles (its record or morgue file)")
    replay.add_argument("file", type=Path)
    replay.add_argument("--rerun", action="store_true", help="resolve every turn again with the current model")
    replay.add_argument("--weights", type=Path)
    replay.add_argument("--plain", action="store_true", help="print every turn instead of the viewer")
    replay.add_argument("--width", type=int, help="columns for --plain (default: the terminal's)")
    _runtime(replay)

    selfplay = sub.add_parser("selfplay", help="play battles or whole runs with a scripted hero, no screen")
    selfplay.add_argument("--battles", type=limits.count("selfplay --battles"),
                          help="single battles, saved like played ones (default: 10)")
    selfplay.add_argument("--runs", type=limits.count("selfplay --runs"),
                          help="whole runs, floor 1 to death or the dragon, with a summary each")
    selfplay.add_argument("--policy", default="careful", choices=("careful", "reckless"), help="the runs' scripted hero")
    selfplay.add_argument("--seed", type=int, default=0)
    selfplay.add_argument("--saves", type=Path, help="where battles (and runs' records) go; runs write none without it")
    selfplay.add_argument("--trust-model", action="store_true")
    selfplay.add_argument("--weights", type=Path)
    selfplay.add_argument("--engine-only", action="store_true", help="do not load the model (fast data gathering)")
    selfplay.add_argument("--json", action="store_true", help="runs: one JSON object instead of the table")
    _runtime(selfplay)

    runs = sub.add_parser("runs", help="list past runs (from their records under the saves folder)")
    runs.add_argument("--saves", type=Path, help="the saves folder (default: saves/)")
    runs.add_argument("--best", action="store_true", help="the high-score table instead, best first")
    runs.add_argument("--json", action="store_true")

    gen = sub.add_parser("generate", help="write training transitions as JSONL")
    gen.add_argument("--n", type=limits.count("generate --n"), default=1000)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", type=Path, help="file to write (default: stdout)")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_generate)

    res = sub.add_parser("resolve", help="resolve JSONL prompts from stdin")
    who = res.add_mutually_exclusive_group(required=True)
    who.add_argument("--engine", action="store_true", help="the rules engine")
    who.add_argument("--model", action="store_true", help="the pico model")
    res.add_argument("--weights", type=Path)
    res.add_argument("--threads", type=limits.count("--threads"), default=1,
                     help="torch's threads (the numpy runtime runs on one)")
    _runtime(res)
    res.set_defaults(func=_resolve)

    train = sub.add_parser("train", help="train or fine-tune the pico model")
    train.add_argument("--preset", default="bundled", help="bundled (the shipped model), quick; with --init: finetune")
    train.add_argument("--data", type=Path, nargs="*", default=[], help="saved battles (JSON) or JSONL to mix in")
    train.add_argument("--init", type=Path, help="weights to start from (fine-tuning)")
    train.add_argument("--out", type=Path, help="where to write the weights")
    train.add_argument("--steps", type=limits.count("train --steps"), help="override the preset's step count")
    train.add_argument("--minutes", type=float, help="stop after this many minutes (the learning rate decays to fit them)")
    train.add_argument("--seed", type=int)
    train.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint beside --out")
    train.add_argument("--quiet", action="store_true")
    train.add_argument("--set", nargs="*", metavar="FIELD=VALUE", help="change recipe fields, e.g. batch=256 lr=3e-3")
    train.add_argument("--workers", type=limits.count("train --workers"), default=0,
                       help="processes that generate examples (0: in the trainer)")

    quant = sub.add_parser("quantize", help="write smaller weights: int8 with scales, or fp16")
    quant.add_argument("--weights", type=Path, help="weights to read (default: the bundled model)")
    quant.add_argument("--out", type=Path, required=True, help="the weights file to write (its .json beside it)")
    quant.add_argument("--dtype", choices=("int8", "fp16"), default="int8")
    quant.add_argument("--group", type=int, default=64, help="int8: values sharing one scale, along each row")

    ev = sub.add_parser("eval", help="measure the model against the rules engine")
    ev.add_argument("--n", type=limits.count("eval --n"),
                    help="fresh transitions (default 2,000; the perturb suite: 100 a family)")
    ev.add_argument("--seed", type=int, default=424242)
    ev.add_argument("--data", type=Path, help="JSONL of prompt/target, or battle saves (a file or a folder)")
    ev.add_argument("--weights", type=Path)
    ev.add_argument("--battles", type=limits.count("eval --battles"),
                    help="battles for the rollout-drift measure (default 50; perturb: 30)")
    ev.add_argument("--runs", type=limits.count("eval --runs"), default=20,
                    help="whole runs of the game played by the scripted hero with the model driving; 0: none")
    ev.add_argument("--edges", type=limits.count("eval --edges"), default=250,
                    help="transitions at each edge of the rules (kills, ticks, heals to full, every status); 0: none")
    ev.add_argument("--suite", choices=("clean", "perturb"), default="clean")
    ev.add_argument("--json", action="store_true")
    _runtime(ev)

    bench = sub.add_parser("bench", help="time the model and the engine")
    bench.add_argument("--weights", type=Path)
    bench.add_argument("--n", type=limits.count("bench --n"), default=200)
    bench.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from game.records.files import RecordError

    try:
        if hasattr(args, "func"):
            code = args.func(args)
        else:
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
