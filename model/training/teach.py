"""The teacher's labels: states of real runs, each with the action the
engine-backed search (game/world/search.py) finds best there.

The states come from the game itself: whole runs (`autoplay`) in which the
search plays the side being labelled, so the states are the ones a strong
player meets, not the scripted hero's. One label per decision with more than
one usable action:

- `advice`: the hero's turns (the careful hero's map play and flights, the
  search's actions); or, with `asks` (`--set asks=0.6`), the careful
  hero's own runs, the search asked only where the plan is in question:
  the states the advisor meets (it follows the plan most turns), and a
  search spent where the plan goes wrong;
- `tactics`: the monsters' turns, the search choosing for them against the
  careful hero.

Labels are written to a JSONL file as each run ends (`{"run": seed, ...}`
per label, then `{"run": seed, "done": true}`), so an interrupted labelling
resumes where it stopped: runs already done are read back, not replayed.
Workers play disjoint runs in their own processes.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from game.combat.content import Content, default
from game.combat.encounter import Action
from game.world import autoplay, search, tactics
from game.world.battle import Battle
from model.specialists.choice import choice_prompt

TASKS = ("advice", "tactics")
ROLLOUTS = 24  # futures per action unless a recipe says (Recipe.rollouts): the teacher's strength against its cost
DEVIATIONS = 3  # times a label where the search beats the script is shown: else copying the plan is all it learns
SHARES = 8  # pairs a soft label is spread over (pairs(..., soft=...))
HELD_OUT_SEED, HELD_OUT_RUNS = 999_003, 12  # runs whose labels check the specialist (never a training seed)


def _hero_labeller(out: list[dict], seed: int, rollouts: int = ROLLOUTS, asks: float = 0.0) -> Callable[[Battle], Action]:
    """The search plays the hero and labels every decision; with `asks`, the
    careful hero plays and the search is asked only where its plan is in
    question (it mends or guards, or the hero's hp is under that share),
    the other decisions keeping the plan as their label, unsearched."""
    def choose(battle: Battle) -> Action:
        actions = search.usable(battle.encounter, battle.potions, battle.content)
        plan = tactics.careful_action(battle.encounter, battle.potions, battle.content)
        if asks and not _in_question(battle, plan, asks):
            if len(actions) > 1:
                out.append(_row(seed, battle, actions, None, plan))
            return plan
        choice = search.best(battle.encounter, battle.potions, battle.content, rollouts,
                             seed=seed * 1009 + len(battle.turns))
        if len(actions) > 1:
            out.append(_row(seed, battle, actions, choice, plan))
        return plan if asks else choice.action
    return choose


def _in_question(battle: Battle, plan: Action, asks: float) -> bool:
    """Where the careful hero's plan is worth a search. In 10,179 decisions
    the search labelled as the hero, those where the plan mends or guards or
    the hero was under 60 % of its hp were 18 % of them and held 70 % of
    what the search gained over the plan (docs/specialists.md)."""
    hero = battle.encounter.hero
    return not battle.content.abilities[plan.ability].attacks or hero.hp < asks * hero.max_hp


def _row(seed: int, battle: Battle, actions: list[Action], choice: search.Choice | None,
         plan: Action | None = None) -> dict:
    """One label: the prompt, the best action's answer, every action's value
    and (the advisor's) the careful hero's plan, which the prompt shows. A
    decision not searched (`choice` None) has the plan as its answer and no
    values."""
    cp = choice_prompt(battle.encounter, actions, battle.content, plan)
    if choice is None:
        return {"run": seed, "prompt": cp.text, "target": cp.target(plan), "plan": cp.target(plan)}
    row = {"run": seed, "prompt": cp.text, "target": cp.target(choice.action),
           "values": {cp.target(a): round(v, 4) for a, v in choice.values}}
    return row | ({"plan": cp.target(plan)} if plan is not None else {})


def _monster_labeller(out: list[dict], seed: int, rollouts: int = ROLLOUTS) -> Callable[[Battle], Action | None]:
    def choose(battle: Battle) -> Action | None:
        if battle.parting_blow():
            return None
        actions = search.usable(battle.encounter, {}, battle.content)
        choice = search.best(battle.encounter, {}, battle.content, rollouts, seed=seed * 1013 + len(battle.turns))
        if len(actions) > 1:
            out.append(_row(seed, battle, actions, choice))
        return choice.action
    return choose


def label_run(task: str, seed: int, content: Content | None = None, rollouts: int = ROLLOUTS,
              asks: float = 0.0) -> list[dict]:
    """Every label of one run."""
    out: list[dict] = []
    if task == "advice":
        autoplay.play_run(seed, "careful" if asks else "search", content=content,
                          chooser=_hero_labeller(out, seed, rollouts, asks))
    else:
        autoplay.play_run(seed, "careful", content=content, tactician=_monster_labeller(out, seed, rollouts))
    return out


def _work(job: tuple[str, int, int, float]) -> tuple[int, list[dict]]:
    task, seed, rollouts, asks = job
    random.seed(seed)
    return seed, label_run(task, seed, default(), rollouts, asks)


def read_labels(path: Path) -> tuple[list[dict], set[int]]:
    """The labels in a file, and the runs it finished (a run cut off midway is dropped)."""
    labels, done = [], set()
    if not path.exists():
        return labels, done
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # the last line of a labelling killed midway
        if row.get("done"):
            done.add(row["run"])
        else:
            labels.append(row)
    return [r for r in labels if r["run"] in done], done


def label(task: str, path: Path, runs: list[int], workers: int = 1, quiet: bool = False,
          near: float = 0.0, repeat: int = 1, rollouts: int = ROLLOUTS, soft: float = 0.0,
          asks: float = 0.0) -> list[tuple[str, str]]:
    """Labels for `runs` (run seeds) in `path`, labelling those not yet done;
    returns the (prompt, target) pairs of those runs (`pairs`)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: one of {', '.join(TASKS)}")
    labels, done = read_labels(path)
    todo = [s for s in runs if s not in done]
    t0 = time.perf_counter()
    if todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            jobs = [(task, s, rollouts, asks) for s in todo]
            if workers > 1:
                ctx = multiprocessing.get_context("spawn")
                with ctx.Pool(workers) as pool:
                    results = pool.imap_unordered(_work, jobs)
                    labels += _write(f, results, len(done), len(runs), t0, quiet)
            else:
                labels += _write(f, map(_work, jobs), len(done), len(runs), t0, quiet)
    wanted = set(runs)
    return [pair for r in labels if r["run"] in wanted for pair in pairs(r, near, repeat, soft)]


def pairs(row: dict, near: float, repeat: int = 1, soft: float = 0.0) -> list[tuple[str, str]]:
    """A label as training pairs. With a plan (the advisor's): the plan,
    unless the search's best beats it by more than `near`: the specialist
    learns when the script is wrong, not the dice's noise between actions the
    search cannot tell apart. With `soft` too, every action gets a share of
    SHARES pairs by how good the search found it (softmax of its value over
    `soft`, the plan's value raised by `near`): what the network learns is
    how much better, not only which. Without a plan (the tactician's): the
    best action, and every other within `near` of it (any of them will do)."""
    if "values" not in row:  # not searched: the plan stands
        return [(row["prompt"], row["target"])]
    values, best = row["values"], row["values"][row["target"]]
    if "plan" in row:
        plan = row["plan"]
        if soft > 0:
            return [(row["prompt"], t) for t in _shares(values | {plan: values.get(plan, -1.0) + near}, soft)]
        if best > values.get(plan, -1.0) + near:  # a tenth of the decisions: training shows each `repeat` times
            return [(row["prompt"], row["target"])] * repeat
        return [(row["prompt"], plan)]
    return [(row["prompt"], t) for t, v in values.items() if t == row["target"] or v >= best - near]


def _shares(values: dict[str, float], soft: float) -> list[str]:
    """SHARES answers, each as often as its softmax weight says (largest remainders)."""
    top = max(values.values())
    weight = {a: math.exp((v - top) / soft) for a, v in values.items()}
    total = sum(weight.values())
    share = {a: SHARES * w / total for a, w in weight.items()}
    count = {a: int(s) for a, s in share.items()}
    for a in sorted(share, key=lambda a: count[a] - share[a])[:SHARES - sum(count.values())]:
        count[a] += 1
    return [a for a, n in count.items() for _ in range(n)]


def _write(f, results, done: int, total: int, t0: float, quiet: bool) -> list[dict]:
    out = []
    for n, (seed, rows) in enumerate(results, done + 1):
        for row in rows:
            f.write(json.dumps(row) + "\n")
        f.write(json.dumps({"run": seed, "done": True}) + "\n")
        f.flush()
        out += rows
        if not quiet:
            rate = len(out) / (time.perf_counter() - t0)
            print(f"teacher: run {n}/{total}, {len(out)} labels this session ({rate:.1f}/s)", file=sys.stderr,
                  flush=True)
    return out
