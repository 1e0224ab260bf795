"""Whole runs by a scripted hero: the real game, measured turn by turn."""

from __future__ import annotations

import json
import time

from cli import main
from game.combat.resolver import EngineResolver, Resolution
from game.world import autoplay


class LateByOne:
    """A 'model' that answers as the rules do, but writes every fifth next
    state's turn counter one too high: usable, and wrong."""

    name = "late"

    def __init__(self):
        self.engine = EngineResolver()
        self.calls = 0

    def resolve(self, prompt: str) -> Resolution:
        self.calls += 1
        r = self.engine.resolve(prompt)
        if self.calls % 5:
            return r
        lines = r.text.split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("turn "))
        words = lines[at].split(" ")
        words[1] = str(int(words[1]) + 1)
        lines[at] = " ".join(words)
        return Resolution("\n".join(lines), True)


def test_an_engine_only_run_is_played_to_its_end_in_seconds():
    start = time.perf_counter()
    r = autoplay.play(autoplay.seeds(1, 1)[0], "careful")
    assert time.perf_counter() - start < 10  # a shared, busy machine: typically under 1 s
    assert not r.stalled and (r.won or r.cause)
    assert r.battles == len(r.fights) > 0 and r.turns == sum(f["turns"] for f in r.fights) > 0
    assert r.asked == r.divergent == r.driven == 0 and not r.clean


def test_runs_are_seeded():
    seed = autoplay.seeds(2, 1)[0]
    a, b = autoplay.play(seed, "reckless"), autoplay.play(seed, "reckless")
    assert a.to_dict() == b.to_dict()


def test_the_engine_as_the_trusted_model_drives_every_turn_and_never_diverges():
    r = autoplay.play(autoplay.seeds(1, 1)[0], "careful", model=EngineResolver(), trust=True)
    assert r.asked == r.driven == r.turns > 0 and r.divergent == 0
    assert r.clean and r.model_drove


def test_a_wrong_model_is_counted_turn_by_turn():
    model = LateByOne()
    r = autoplay.play(autoplay.seeds(1, 1)[0], "careful", model=model, trust=True)
    assert r.asked == r.turns == model.calls
    assert r.divergent == model.calls // 5 and not r.clean
    # its states were usable, so every one drove the game
    assert r.driven == r.turns
    listed = [t for f in r.fights for t in f["divergent"]]
    assert len(listed) == r.divergent


def test_selfplay_runs_from_the_command_line(capsys):
    assert main(["selfplay", "--runs", "2", "--seed", "5", "--engine-only", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["totals"]["runs"] == 2 and len(out["runs"]) == 2
    assert out["runs"][0]["seed"] == autoplay.seeds(5, 2)[0]
    assert {"won", "depth", "turns", "asked", "divergent", "driven", "clean", "fights"} <= set(out["runs"][0])
    assert main(["selfplay", "--runs", "1", "--seed", "5", "--engine-only", "--policy", "reckless"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("seed") and "1 run (reckless hero, engine only)" in table


def test_selfplay_refuses_battles_and_runs_together(capsys):
    assert main(["selfplay", "--runs", "1", "--battles", "1", "--engine-only"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["selfplay", "--battles", "1", "--engine-only", "--json"]) == 2
    assert "--runs" in capsys.readouterr().err
