"""`pico-rogue selfplay`: the game with scripted players and no screen.

Two modes:
- `--battles N`: single fights drawn as a run meets them (`fight.draw`),
  saved exactly as play saves them (for gathering training data, and tests);
- `--runs N`: whole runs of the real game from floor 1 to death or the boss
  (`autoplay`), with a per-run summary of the model's agreement: the
  whole-run measure and the balance simulation.
"""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

from game.combat.content import Content, default
from game.records.battle import save_battle
from game.records.files import saves_home
from game.world import autoplay, fight, finish
from game.world.battle import Battle, battle_record
from game.world.deciders import Deciders, advice, learned_monsters
from game.world.generate import MAX_BATTLE_TURNS
from game.world.model_side import ModelSide
from game.world.tactics import hero_action


def play_battle(seed: int, model: ModelSide, trust: bool = False, content: Content | None = None) -> tuple[Battle, int]:
    """One scripted battle from `seed`; returns it and its depth."""
    content = content or default()
    rng = random.Random(seed)
    setup = fight.draw(rng, content)
    battle = Battle(setup.encounter(content), model=model.resolver, seed=rng.randrange(2**31),
                    potions=setup.potions, content=content)
    for _ in range(MAX_BATTLE_TURNS):
        if battle.over:
            break
        if battle.hero_to_act:
            action = hero_action(battle.encounter, battle.rng, battle.potions, content)
            battle.play(action, trust)
        else:
            battle.play_monster(trust)
    return battle, setup.depth


def run(battles: int, seed: int, saves: Path | None, model: ModelSide, trust: bool = False, out=None) -> list[Path]:
    out = out or sys.stdout
    written = []
    won = turns = agreed = asked = 0
    for i in range(battles):
        battle, depth = play_battle(seed * 100_003 + i, model, trust)
        data = battle_record(battle, seed=seed * 100_003 + i, weights=model.weights, depth=depth, source="selfplay")
        written.append(save_battle(data, saves, stem=f"selfplay-s{seed}-b{i:04d}"))
        won += battle.won
        turns += len(battle.turns)
        agreed += battle.tally.agreed
        asked += battle.tally.asked
    agreement = f"{agreed}/{asked} turns agree ({100 * agreed / asked:.1f}%)" if asked else "model not asked"
    folder = written[0].parent if written else (saves or saves_home())
    print(f"{battles} battles, {turns} turns, hero won {won}; {agreement}; written to {folder}", file=out)
    return written


def runs(n: int, seed: int, model: ModelSide, *, policy: str = "careful", trust: bool = False,
         saves: Path | None = None, deciders: Deciders | None = None, monsters: str = "content",
         hero_class: str | None = None) -> list[autoplay.RunResult]:
    """`n` whole runs from the seeds of `autoplay.seeds(seed, n)`; with
    `saves`, every battle is written there as play writes it, and each run's
    record and morgue file. `deciders` are the specialists: the advisor
    plays the hero of the advisor policy; the tactician the monsters
    (`monsters`: as the content says, every one, or none)."""
    chooser = (lambda battle: advice(deciders, battle)) if policy == "advisor" else None
    tactician = None
    if deciders is not None and monsters != "scripted":
        tactician = learned_monsters(deciders, every=monsters == "learned")
    results = []
    for run_seed in autoplay.seeds(seed, n):
        def keep(r, battle):
            data = battle_record(battle, seed=r.seed, weights=model.weights, depth=r.depth, source="selfplay")
            return str(save_battle(data, saves, stem=f"selfplay-s{r.seed}-f{r.depth}").resolve())

        result, finished = autoplay.play_run(run_seed, policy, model.resolver, trust, on_battle=keep if saves else None,
                                             chooser=chooser, tactician=tactician, hero_class=hero_class)
        if saves:
            finish.write(finished, saves, weights=model.weights, source=f"selfplay {policy}")
        results.append(result)
    return results


def totals(results: list[autoplay.RunResult]) -> dict:
    """The batch in one line: wins, depth, turns and the model's record."""
    n = len(results)
    return {
        "runs": n,
        "won": sum(r.won for r in results),
        "win_rate": round(sum(r.won for r in results) / n, 4) if n else 0.0,
        "median_depth": statistics.median(r.depth for r in results) if n else 0,
        "turns": sum(r.turns for r in results),
        "asked": sum(r.asked for r in results),
        "divergent": sum(r.divergent for r in results),
        "driven": sum(r.driven for r in results),
        "clean_runs": sum(r.clean for r in results),
        "stalled": sum(r.stalled for r in results),
        "per_floor": per_floor(results),
    }


def per_floor(results: list[autoplay.RunResult]) -> list[dict]:
    """The difficulty curve, floor by floor: how many runs got there, the
    battles met there (monsters a battle, turns: everyone's and the hero's
    own, hp lost), the fights fled and the runs that died there."""
    out = []
    for depth in range(1, max((r.depth for r in results), default=0) + 1):
        fought = [(f, lost, mine) for r in results
                  for f, lost, mine in zip(r.fights, r.hp_lost, r.hero_turns, strict=False) if f["depth"] == depth]
        n = len(fought)

        def mean(values, n=n) -> float:
            return round(sum(values) / n, 2) if n else 0.0

        out.append({
            "floor": depth,
            "reached": sum(r.depth >= depth for r in results),
            "battles": n,
            "monsters": mean(len(f["monsters"]) for f, _, _ in fought),
            "turns": mean(f["turns"] for f, _, _ in fought),
            "median_turns": statistics.median(f["turns"] for f, _, _ in fought) if n else 0,
            "hero_turns": mean(mine for _, _, mine in fought),
            "hp_lost": mean(lost for _, lost, _ in fought),
            "fled": sum(f["result"] == "fled" for f, _, _ in fought),
            "deaths": sum(r.depth == depth and r.cause is not None and not r.won for r in results),
        })
    return out


def print_runs(results: list[autoplay.RunResult], policy: str, who: str, out=None) -> None:
    out = out or sys.stdout
    head = ("seed", "won", "depth", "level", "battles", "fled", "turns", "asked", "divergent", "driven", "end")
    rows = [(str(r.seed), "yes" if r.won else "no", str(r.depth), str(r.level), str(r.battles), str(r.fled),
             str(r.turns), str(r.asked), str(r.divergent), str(r.driven),
             "won" if r.won else "stalled" if r.stalled else r.cause or "") for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    for row in (head, *rows):
        print("  ".join(c.ljust(w) if i in (0, len(head) - 1) else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip(), file=out)
    t = totals(results)
    print_curve(t["per_floor"], out)
    clean = f"{t['clean_runs']}/{t['runs']} runs matched the rules on every turn" if t["asked"] else "the model was not asked"
    print(f"{t['runs']} run{'' if t['runs'] == 1 else 's'} ({policy} hero, {who}): won {t['won']} ({100 * t['win_rate']:.0f}%), "
          f"median depth {t['median_depth']}; {t['turns']} turns, {t['divergent']} divergent; {clean}", file=out)


def print_curve(floors: list[dict], out) -> None:
    """`per_floor` as a table under the runs: the difficulty curve."""
    head = ("floor", "reached", "battles", "monsters", "turns", "hero turns", "hp lost", "fled", "deaths")
    keys = ("floor", "reached", "battles", "monsters", "turns", "hero_turns", "hp_lost", "fled", "deaths")
    rows = [head, *(tuple(str(f[k]) for k in keys) for f in floors)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print(file=out)
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)), file=out)
