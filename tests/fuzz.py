"""Byte and structure mutation over every input surface a user can hand the
program: engine prompts, `resolve`'s JSONL stream, `--data` JSONL files,
battle saves (loaded and rendered by `replay --plain`), suspended runs
(loaded, then played on: moves, a battle turn) and content YAML.

Each mutated input must give a clear error (the surface's own error class)
or a valid answer; anything else is an internal error and is recorded with
the input that caused it. Rendered saves must not carry a control character
to the terminal.

Run as a script for a long campaign (a fresh process, so its peak memory is
its own):

    .venv/bin/python tests/fuzz.py --n 100000 --seed 1

It prints one JSON line: inputs per surface, internal errors (with the first
few reproductions), and the peak RSS. tests/test_fuzz.py runs it short.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from cli.resolve import answer as _answer  # noqa: E402
from game.combat import content as content_module  # noqa: E402
from game.combat.content import ContentError  # noqa: E402
from game.combat.resolver import EngineResolver  # noqa: E402
from game.combat.rules import IllegalAction  # noqa: E402
from game.records.battle import load_battle  # noqa: E402
from game.records.examples import load_examples  # noqa: E402
from game.records.files import RecordError, SaveError  # noqa: E402
from game.records.run import check_run, find_run, run_path, write_run  # noqa: E402
from game.ui import replay  # noqa: E402
from game.ui.screens.dungeon import MapState, RunState, render_map  # noqa: E402
from game.world import roster  # noqa: E402
from game.world.battle import Battle, battle_record  # noqa: E402
from game.world.generate import transitions  # noqa: E402
from game.world.run import DIRECTIONS, Run  # noqa: E402
from game.world.tactics import hero_action  # noqa: E402
from model.training.examples import vet  # noqa: E402 - not model.training.data: that imports torch

# values that break parsers and checks: huge and odd numbers, wrong types,
# deep nesting, control characters, markup, invalid UTF-8 (as bytes)
NASTY_VALUES = [
    None, True, False, 0, -1, 1, 2, 3, 2**31, 2**63, -(2**63), 10**30, 1.5, -0.0, 1e308, "", "x", "v1", "v2",
    "\x1b]0;owned\x07\x1b[2J", "[/]", "[bold]x", "\r\n", "\u202e", "9" * 5000, "hero", "m1", "end", "#", ".", ">",
    [], [1], [[]], {}, {"a": 1}, [0] * 625, ["x"] * 3, list(range(10)),
]
NASTY_BYTES = [
    b"9" * 5000, b"[" * 100_000, b"{" * 50_000, b"\xff\xfe", b"\x00", b"\x1b[2J", b"\n", b"\r", b"NaN", b"Infinity",
    b"1e999", b"-", b"\"", b"\\u0000", b"\\ud800", b"true", b"null", b"[]", b"{}", b"<eos>", b"  ", b"\t",
]


# --- mutation --------------------------------------------------------------------


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8))):
        op = rng.randrange(6)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:  # flip a byte
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 1:  # insert a nasty token
            b[i:i] = rng.choice(NASTY_BYTES)
        elif op == 2 and b:  # delete a range
            del b[i: i + rng.randint(1, 64)]
        elif op == 3 and b:  # duplicate a range
            j = rng.randrange(len(b))
            b[i:i] = b[j: j + rng.randint(1, 256)]
        elif op == 4:  # an ASCII digit or letter
            b[i:i] = bytes([rng.choice(b"0123456789azAZ -+/")])
        elif b:  # truncate
            del b[i:]
    return bytes(b)


def _walk(value, rng: random.Random) -> tuple:
    """A random path into a document, walking down from the root: every
    level of the structure is as likely as the long lists at its leaves."""
    path: tuple = ()
    while isinstance(value, (dict, list)) and value and (not path or rng.random() < 0.7):
        key = rng.choice(list(value)) if isinstance(value, dict) else rng.randrange(len(value))
        path, value = (*path, key), value[key]
    return path


WORDS = ["hero", "m1", "m2", "m3", "end", "st", "cd", "hp", "mp", "atk", "def", "roll", "turn", "poison", "burn",
         "regen", "guard", "stun", "strike", "heal", "ignite", "rat", "goblin", "dragon", "knight", "v1", "v2", "<eos>"]


def mutate_words(text: str, rng: random.Random) -> str:
    """Replace one word of a template text with a number or another word of
    the template: prompts that still parse, and reach the rules."""
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    words = lines[i].split(" ")
    j = rng.randrange(len(words))
    words[j] = rng.choice([str(rng.randint(0, 12)), str(rng.randint(0, 120)), str(rng.randint(0, 1000)),
                           f"{rng.randint(0, 99)}/{rng.randint(0, 99)}", rng.choice(WORDS)])
    lines[i] = " ".join(words)
    return "\n".join(lines)


def mutate_json(value, rng: random.Random):
    """Replace, drop or retype one value somewhere in a JSON document."""
    import copy

    value = copy.deepcopy(value)
    for _ in range(rng.choice((1, 1, 2, 4))):
        path = _walk(value, rng)
        if not path:
            return copy.deepcopy(rng.choice(NASTY_VALUES))
        parent = value
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        op = rng.randrange(5)
        if op == 0 and isinstance(parent, dict):
            del parent[key]
        elif op == 1 and isinstance(parent[key], int) and not isinstance(parent[key], bool):
            parent[key] = rng.choice((parent[key] + rng.choice((-1, 1)), -parent[key], parent[key] * 1000, 0, -1))
        elif op == 2 and isinstance(parent[key], str) and parent[key]:
            s = parent[key]
            i = rng.randrange(len(s))
            parent[key] = s[:i] + rng.choice(["\x1b[2J", "9", "", " ", "\n", "x", "[/]"]) + s[i + 1:]
        elif op == 3 and isinstance(parent[key], list) and parent[key]:
            parent[key] = parent[key][: rng.randrange(len(parent[key]))] if rng.random() < 0.5 else parent[key] * 2
        else:
            parent[key] = copy.deepcopy(rng.choice(NASTY_VALUES))
    return value


# --- the seeds ----------------------------------------------------------------------


def _battle(seed: int) -> Battle:
    rng = random.Random(seed)
    b = Battle(roster.encounter(roster.hero_at(3), rng.sample(["rat", "goblin", "bat"], rng.randint(1, 2))),
               model=EngineResolver(), seed=seed)
    for _ in range(12):
        if b.over:
            break
        b.play(hero_action(b.encounter, b.rng, b.potions)) if b.hero_to_act else b.play_monster()
    return b


def seeds() -> dict[str, list]:
    prompts = [r for r in transitions(40, 7)]
    saves = [battle_record(_battle(s), seed=s, weights={"name": "w", "sha256": "00"}) for s in range(3)]
    runs = []
    for s in range(3):
        run = Run.new(s)
        for _ in range(40):  # walk until a fight begins, so some runs hold a battle
            battle = run.move(*random.Random(s).choice(list(DIRECTIONS.values())))
            if battle:
                battle.model = EngineResolver()
                if not battle.hero_to_act:
                    battle.play_monster()
                break
        runs.append(json.loads(json.dumps(run.to_dict())))
    yaml_files = {p.name: p.read_bytes() for p in sorted(content_module.ASSETS.glob("*.yaml"))}
    return {"prompts": prompts, "saves": saves, "runs": runs, "yaml": yaml_files}


# --- the surfaces -------------------------------------------------------------------


class Internal(Exception):
    """What the fuzz looks for: not a clear error, not a valid answer."""


ENGINE = EngineResolver()


def prompt_surface(text: str) -> bool:
    r = ENGINE.resolve(text)  # a Resolution, never an exception
    if r.text is None and not r.error:
        raise Internal("refused without a reason")
    return r.text is not None


def stream_surface(raw: bytes, n: int) -> bool:
    ok = False
    for line in raw.split(b"\n")[:8] or [b""]:
        answer = _answer(n, line, ENGINE, False)
        if "error" in answer and ("internal error" in answer["error"] or not answer["error"].startswith(f"line {n}: ")):
            raise Internal(answer["error"])
        ok |= "next" in answer
    return ok


def jsonl_surface(raw: bytes, folder: Path) -> bool:
    path = folder / "data.jsonl"
    path.write_bytes(raw)
    try:
        found = load_examples([path])
    except RecordError:
        return False
    return bool(vet(found).kept)


def _no_escape(text: str) -> None:
    if "\x1b" in text or "\x9b" in text or "\x07" in text:
        raise Internal(f"a control character reached the output: {text[:200]!r}")


def save_surface(raw: bytes, folder: Path) -> bool:
    path = folder / "battle-001.json"
    path.write_bytes(raw)
    try:
        save = load_battle(path)
    except SaveError:
        return False
    out = io.StringIO()
    replay.plain(save, None, Console(file=out, width=120, force_terminal=False, color_system=None))
    _no_escape(out.getvalue())
    replay.describe(save)
    return True


def run_surface(raw: bytes, folder: Path) -> bool:
    path = run_path(folder)
    for old in folder.iterdir():
        old.unlink()
    path.write_bytes(raw)
    found = find_run(folder)
    if found is None:
        raise Internal("a run.json was not found")
    if found.damaged:
        if path.exists() or found.kept is None or not found.kept.exists():
            raise Internal("a damaged run was not kept aside")
        if found.kept.read_bytes() != raw:
            raise Internal("the kept run differs from the file")
        return False
    run = Run.from_dict(found.data, model=EngineResolver())
    # what play does next: draw, move, fight on; none of it may fail
    render_map(MapState.of(run), 80, 24), RunState.of(run)
    run.hero()
    if run.battle:
        battle = run.battle
        for _ in range(3):
            if battle.over:
                run.end_battle()
                break
            try:
                battle.play(hero_action(battle.encounter, battle.rng, battle.potions)) if battle.hero_to_act \
                    else battle.play_monster()
            except IllegalAction as exc:  # the game shows these to the player; they must be about a rule
                if "refused the prompt" in str(exc):
                    raise Internal(f"the engine refused the game's own prompt: {exc}") from None
    else:
        for d in list(DIRECTIONS.values())[:4]:
            if run.move(*d) or run.over:
                break
    render_map(MapState.of(run), 80, 24)
    write_run(run.to_dict(), folder)
    check_run(json.loads(path.read_text()))
    return True


def yaml_surface(name: str, raw: bytes, folder: Path) -> bool:
    for p in content_module.ASSETS.glob("*.yaml"):
        shutil.copy(p, folder / p.name)
    (folder / name).write_bytes(raw)
    try:
        content_module.load(folder)
    except ContentError:
        return False
    return True


# --- the campaign ---------------------------------------------------------------------------


def campaign(n: int, seed: int, report_every: float = 0.0) -> dict:
    rng = random.Random(seed)
    corpus = seeds()
    counts: dict[str, int] = {}
    failures: list[dict] = []
    failed: dict[str, int] = {}
    accepted: dict[str, int] = {}  # inputs answered or loaded (the rest: a clear error)
    start = time.time()
    shm = Path("/dev/shm")  # memory, where there is one: the surfaces fsync every write
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        folder = Path(tmp)
        for surface in ("jsonl", "saves", "runs", "yaml"):
            (folder / surface).mkdir()
        for i in range(n):
            surface = rng.choices(["prompt", "stream", "jsonl", "save", "run", "yaml"], weights=(30, 25, 10, 15, 15, 5))[0]
            counts[surface] = counts.get(surface, 0) + 1
            structured = rng.random() < 0.5
            ok = False
            try:
                if surface == "prompt":
                    r = rng.choice(corpus["prompts"])
                    text = mutate_words(r["prompt"], rng) if structured else \
                        mutate_bytes(r["prompt"].encode(), rng).decode("utf-8", "replace")
                    ok = prompt_surface(text)
                elif surface == "stream":
                    r = rng.choice(corpus["prompts"])
                    kind = rng.randrange(3)
                    request = {"prompt": mutate_words(r["prompt"], rng)} if kind == 0 else \
                        mutate_json({"prompt": r["prompt"]}, rng) if kind == 1 else {"prompt": r["prompt"]}
                    line = json.dumps(request).encode()
                    raw = mutate_bytes(line, rng) if kind == 2 else line
                    ok = stream_surface(raw, i + 1)
                elif surface == "jsonl":
                    rows = rng.sample(corpus["prompts"], 3)
                    rows = [mutate_json(r, rng) if structured and rng.random() < 0.5 else r for r in rows]
                    raw = "".join(json.dumps(r) + "\n" for r in rows).encode()
                    ok = jsonl_surface(raw if structured else mutate_bytes(raw, rng), folder / "jsonl")
                elif surface == "save":
                    save = rng.choice(corpus["saves"])
                    raw = json.dumps(mutate_json(save, rng)).encode() if structured else \
                        mutate_bytes(json.dumps(save).encode(), rng)
                    ok = save_surface(raw, folder / "saves")
                elif surface == "run":
                    run = rng.choice(corpus["runs"])
                    raw = json.dumps(mutate_json(run, rng)).encode() if structured else \
                        mutate_bytes(json.dumps(run).encode(), rng)
                    ok = run_surface(raw, folder / "runs")
                else:
                    name = rng.choice(sorted(corpus["yaml"]))
                    raw = mutate_bytes(corpus["yaml"][name], rng)
                    ok = yaml_surface(name, raw, folder / "yaml")
            except Exception as exc:  # noqa: BLE001 - what the fuzz is for
                key = f"{surface}: {type(exc).__name__}: {str(exc)[:120]}"
                failed[key] = failed.get(key, 0) + 1
                if len(failures) < 20 and failed[key] == 1:
                    shown = repr(locals().get("raw", locals().get("text")))[:600]
                    failures.append({"surface": surface, "error": key, "input": shown,
                                     "where": traceback.format_exc().splitlines()[-3:]})
            else:
                accepted[surface] = accepted.get(surface, 0) + bool(ok)
            if report_every and time.time() - start > report_every:
                print(json.dumps({"done": i + 1, "internal": sum(failed.values())}), file=sys.stderr, flush=True)
                start = time.time()
    return {"inputs": n, "per_surface": counts, "accepted": accepted, "internal_errors": sum(failed.values()), "kinds": failed,
            "first": failures, "peak_rss_mb": peak_mb()}


def peak_mb() -> float:
    """This process's peak RSS: VmHWM, which exec resets (ru_maxrss carries a
    forking parent's peak across exec, so a child of pytest would report pytest's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    result = campaign(args.n, args.seed, report_every=60.0)
    print(json.dumps(result))
    return 0 if result["internal_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
