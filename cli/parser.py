"""Every command's arguments, and their help: what `pico-rogue --help` says."""

from __future__ import annotations

import argparse
from pathlib import Path

from game.combat import limits
from game.world.autoplay import POLICIES


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (no usage dump), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


RUNTIMES = ("numpy", "torch")  # model.resolver.RUNTIMES, without importing the model for --help


def _version() -> str:
    """The installed package's version (a checkout run without installing says so)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pico-rogue")
    except PackageNotFoundError:
        return "(not installed)"


def _runtime(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runtime", choices=RUNTIMES, default="numpy",
                   help="what runs the network: numpy (default) or torch (for checking; needs pico-rogue[train])")


def _pack(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pack", type=Path, action="append", default=[], metavar="DIR",
                   help="a content pack: a folder of asset files laid over assets/ (repeatable, applied in order)")


SAVES_DEFAULT = "(default: ~/.local/share/pico-rogue/saves, or $PICO_ROGUE_SAVES)"
SAVES_HELP = "where battles and runs are written " + SAVES_DEFAULT


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pico-rogue", description="A roguelike whose combat a tiny model resolves beside the rules.")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    # like crawl and nethack, the bare command plays (cli.main reads no command as `play`)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", help="what to do (default: play)")

    play = sub.add_parser("play", help="play the game")
    play.add_argument("--seed", type=int, help="run seed (same seed, same dungeon)")
    play.add_argument("--trust-model", action="store_true", help="let the model's next state drive the game")
    play.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    play.add_argument("--saves", type=Path, help=SAVES_HELP)
    play.add_argument("--class", dest="hero_class", metavar="CLASS",
                      help="the hero's class for new runs (knight, warden, pyromancer; default: asked as a run begins)")
    _runtime(play)
    _pack(play)

    serve = sub.add_parser("serve", help="play the game in a browser (textual-serve)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--host", default="localhost", help="address to listen on (default localhost)")
    serve.add_argument("--seed", type=int, help="run seed (same seed, same dungeon)")
    serve.add_argument("--trust-model", action="store_true", help="let the model's next state drive the game")
    serve.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    serve.add_argument("--saves", type=Path, help=SAVES_HELP)
    serve.add_argument("--class", dest="hero_class", metavar="CLASS",
                       help="the hero's class for every tab's new runs (default: asked as a run begins)")
    serve.add_argument("--max-games", type=limits.count("serve --max-games"), default=4,
                       help="games (browser tabs) running at once; a tab past that is told why (default 4)")
    serve.add_argument("--saves-per-tab", action="store_true",
                       help="give each game its own folder under --saves (tab-1, tab-2, ...) so tabs do not "
                            "lock each other out")
    _runtime(serve)
    _pack(serve)

    replay = sub.add_parser("replay", help="replay a saved battle, or a run's battles (its record or morgue file)")
    replay.add_argument("file", type=Path, help="a battle's save (saves/battle-*.json), or a run's record or morgue file")
    replay.add_argument("--rerun", action="store_true", help="resolve every turn again with the current model")
    replay.add_argument("--weights", type=Path, help="with --rerun: the model weights to ask (default: the bundled model)")
    replay.add_argument("--plain", action="store_true", help="print every turn instead of the viewer")
    replay.add_argument("--width", type=int, help="columns for --plain (default: the terminal's)")
    _runtime(replay)
    _pack(replay)

    selfplay = sub.add_parser("selfplay", help="play battles or whole runs with a scripted hero, no screen")
    selfplay.add_argument("--battles", type=limits.count("selfplay --battles"),
                          help="single battles, saved like played ones (default: 10)")
    selfplay.add_argument("--runs", type=limits.count("selfplay --runs"),
                          help="whole runs, floor 1 to death or the dragon, with a summary each")
    selfplay.add_argument("--policy", default="careful", choices=POLICIES, help="the runs' scripted hero")
    selfplay.add_argument("--seed", type=int, default=0, help="the first battle's or run's seed; the rest follow it (default 0)")
    selfplay.add_argument("--saves", type=Path, help="where battles (and runs' records) go; runs write none without it")
    selfplay.add_argument("--trust-model", action="store_true", help="let the model's next state drive the battles")
    selfplay.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    selfplay.add_argument("--engine-only", action="store_true", help="do not load the model (fast data gathering)")
    selfplay.add_argument("--json", action="store_true", help="with --runs: one JSON object instead of the table")
    selfplay.add_argument("--class", dest="hero_class", metavar="CLASS",
                          help="with --runs: the hero's class (assets/classes.yaml; default: the first, knight)")
    selfplay.add_argument("--monsters", default="content", choices=("content", "scripted", "learned"),
                          help="who plays the monsters: as the content says (default: the tactician for style "
                               "learned, the rest by their styles), every one scripted, or every one the tactician")
    _runtime(selfplay)
    _pack(selfplay)

    runs = sub.add_parser("runs", help="list past runs (from their records under the saves folder)")
    runs.add_argument("--saves", type=Path, help="the saves folder " + SAVES_DEFAULT)
    runs.add_argument("--best", action="store_true", help="the high-score table instead, best first")
    runs.add_argument("--json", action="store_true", help="one JSON list instead of the table")

    gen = sub.add_parser("generate", help="write training transitions as JSONL")
    gen.add_argument("--n", type=limits.count("generate --n"), default=1000, help="transitions to write (default 1000)")
    gen.add_argument("--seed", type=int, default=0, help="the draw's seed: the same seed writes the same bytes (default 0)")
    gen.add_argument("--out", type=Path, help="file to write (default: stdout)")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    _pack(gen)

    res = sub.add_parser("resolve", help="resolve JSONL prompts from stdin")
    who = res.add_mutually_exclusive_group(required=True)
    who.add_argument("--engine", action="store_true", help="the rules engine")
    who.add_argument("--model", action="store_true", help="the pico model")
    res.add_argument("--weights", type=Path, help="with --model: the weights (default: the bundled model)")
    res.add_argument("--threads", type=limits.count("--threads"), default=1,
                     help="torch's threads (the numpy runtime runs on one)")
    _runtime(res)
    _pack(res)

    train = sub.add_parser("train", help="train or fine-tune the pico model")
    train.add_argument("--preset", default="bundled", help="bundled (the shipped model), quick; with --init: finetune; "
                       "advice, tactics: a specialist")
    train.add_argument("--task", choices=("resolve", "advice", "tactics"),
                       help="what to train: the resolver (default) or a specialist, labelled by the search then distilled")
    train.add_argument("--data", type=Path, nargs="*", default=[], help="saved battles (JSON) or JSONL to mix in")
    train.add_argument("--init", type=Path, help="weights to start from (fine-tuning)")
    train.add_argument("--out", type=Path, help="where to write the weights")
    train.add_argument("--steps", type=limits.count("train --steps"), help="override the preset's step count")
    train.add_argument("--minutes", type=float, help="stop after this many minutes (the learning rate decays to fit them)")
    train.add_argument("--seed", type=int, help="the data's and the initial weights' seed (default: the preset's)")
    train.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="where to train (default cpu)")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint beside --out")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--set", nargs="*", metavar="FIELD=VALUE", help="change recipe fields, e.g. batch=256 lr=3e-3")
    train.add_argument("--workers", type=limits.count("train --workers"), default=0,
                       help="processes that generate examples (0: in the trainer)")
    _pack(train)

    quant = sub.add_parser("quantize", help="write smaller weights: int8 with scales, or fp16")
    quant.add_argument("--weights", type=Path, help="weights to read (default: the bundled model)")
    quant.add_argument("--out", type=Path, required=True, help="the weights file to write (its .json beside it)")
    quant.add_argument("--dtype", choices=("int8", "fp16"), default="int8", help="int8 with a scale per group (default), or fp16")
    quant.add_argument("--group", type=int, default=64, help="int8: values sharing one scale, along each row")

    ev = sub.add_parser("eval", help="measure the model against the rules engine")
    ev.add_argument("--n", type=limits.count("eval --n"),
                    help="fresh transitions (default 2,000; the perturb suite: 100 a family)")
    ev.add_argument("--seed", type=int, default=424242, help="the fresh transitions' seed (default 424242)")
    ev.add_argument("--data", type=Path, help="JSONL of prompt/target, or battle saves (a file or a folder)")
    ev.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    ev.add_argument("--battles", type=limits.count("eval --battles"),
                    help="battles for the rollout-drift measure (default 50; perturb: 30)")
    ev.add_argument("--runs", type=limits.count("eval --runs"), default=20,
                    help="whole runs of the game played by the scripted hero with the model driving; 0: none")
    ev.add_argument("--edges", type=limits.count("eval --edges"), default=250,
                    help="transitions at each edge of the rules (kills, ticks, heals to full, every status); 0: none")
    ev.add_argument("--suite", choices=("clean", "perturb"), default="clean",
                    help="clean: fidelity on the game's own states (default); perturb: the failure-mode lab")
    ev.add_argument("--json", action="store_true", help="one JSON object instead of the tables")
    _runtime(ev)
    _pack(ev)

    bench = sub.add_parser("bench", help="time the model and the engine")
    bench.add_argument("--weights", type=Path, help="model weights (default: the bundled model)")
    bench.add_argument("--n", type=limits.count("bench --n"), default=200, help="transitions timed (default 200)")
    bench.add_argument("--json", action="store_true", help="one JSON object instead of the table")

    specialists = sub.add_parser("specialists", help="list the specialists: task, size, strength (none is loaded)")
    specialists.add_argument("--json", action="store_true", help="one JSON list instead of the table")
    _pack(bench)
    return p
