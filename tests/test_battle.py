"""A battle: engine and model side by side, divergences, trust and fallback."""

from __future__ import annotations

import pytest

from game.combat.encounter import HERO, Action
from game.combat.narration import narrate
from game.combat.resolver import EngineResolver, Resolution
from game.combat.rules import IllegalAction
from game.combat.template import VERSION, block
from game.world import roster
from game.world.battle import ENGINE, MODEL, Battle


class Liar:
    """A 'model' that answers like the engine but adds 5 to the hero's hp."""

    name = "liar"

    def __init__(self):
        self.engine = EngineResolver()

    def resolve(self, prompt: str) -> Resolution:
        r = self.engine.resolve(prompt)
        lines = r.text.split("\n")
        row = lines.index(next(line for line in lines[lines.index(block(r.text).split("\n")[0]):]
                               if line.startswith("hero hp ")))
        words = lines[row].split(" ")
        words[2] = str(max(0, int(words[2]) - 5))
        lines[row] = " ".join(words)
        return Resolution("\n".join(lines), True)


class Garbage:
    name = "garbage"

    def resolve(self, prompt: str) -> Resolution:
        return Resolution("tick +0 hit", False, "did not parse")


class Broken:
    name = "broken"

    def resolve(self, prompt: str) -> Resolution:
        raise RuntimeError("boom")


def fight(kinds=("goblin",), model=None, seed=5, level=3, potions=None) -> Battle:
    return Battle(roster.encounter(roster.hero_at(level), list(kinds)), model=model, seed=seed, potions=potions)


def play_out(battle: Battle, trust=False, limit=200) -> None:
    for _ in range(limit):
        if battle.over:
            return
        if battle.hero_to_act:
            battle.play(Action("strike", battle.living_monsters()[0].label), trust)
        else:
            battle.play_monster(trust)
    raise AssertionError("battle did not end")


def test_engine_as_model_always_agrees():
    b = fight(("goblin", "rat"), model=EngineResolver())
    play_out(b)
    assert b.turns and b.tally.agreed == b.tally.asked == len(b.turns)
    assert all(t.applied == ENGINE and t.divergences == () for t in b.turns)
    assert b.turns[0].prompt.startswith(f"{VERSION} turn 1 hero strike m1 roll ")


def test_same_seed_same_battle():
    a, b = fight(seed=9), fight(seed=9)
    play_out(a)
    play_out(b)
    assert [t.prompt for t in a.turns] == [t.prompt for t in b.turns]


def test_divergence_is_reported_and_rules_stay_in_charge():
    b = fight(model=Liar())
    turn = b.play(Action("strike", "m1"))
    assert "hero.hp" in turn.divergences
    assert turn.applied == ENGINE and not turn.agreed
    assert b.encounter.hero.hp == b.start.hero.hp  # the engine's state: the hero was not hurt
    assert b.tally.asked == 1 and b.tally.agreed == 0


def test_trust_model_applies_the_models_state():
    b = fight(model=Liar())
    turn = b.play(Action("strike", "m1"), trust=True)
    assert turn.applied == MODEL
    assert b.encounter.hero.hp == b.start.hero.hp - 5


@pytest.mark.parametrize("model", [Garbage(), Broken()])
def test_unusable_model_falls_back_to_the_rules(model):
    b = fight(model=model)
    turn = b.play(Action("strike", "m1"), trust=True)
    assert turn.applied == ENGINE and turn.fallback
    assert turn.divergences == ("unparsed",)
    assert any("rules decided" in line for line in turn.lines)
    play_out(b, trust=True)
    assert b.over


def test_no_model_is_not_counted():
    b = fight()
    play_out(b)
    assert b.tally.asked == 0 and all(not t.asked_model for t in b.turns)


def test_options_grey_out_with_why():
    b = fight(potions={})
    opts = {o.ability: o for o in b.options()}
    assert opts["strike"].ready
    assert "no healing potion" in opts["quaff_heal"].why
    b.play(Action("ignite", "m1"))
    while not b.hero_to_act and not b.over:
        b.play_monster()
    assert not b.over  # seed 5: the goblin outlives the ignite
    wait = b.encounter.hero.cooldown("ignite")
    assert wait and {o.ability: o for o in b.options()}["ignite"].why == f"ready in {wait} turn{'s' if wait > 1 else ''}"
    with pytest.raises(IllegalAction, match="^ignite: ready in"):
        b.play(Action("ignite", "m1"))
    with pytest.raises(IllegalAction, match="^quaff heal: no healing potion left$"):
        fight(potions={}).play(Action("quaff_heal", HERO))
    poor = fight(potions={})
    poor.encounter = poor.encounter.replacing(poor.encounter.hero.with_(mp=0))
    assert {o.ability: o for o in poor.options()}["ignite"].why == f"needs {poor.content.abilities['ignite'].cost} mp"


def test_potions_are_used_up():
    b = fight(potions={"healing_potion": 1})
    b.play(Action("quaff_heal", HERO))
    assert b.potions["healing_potion"] == 0


def test_narration_reads_like_a_log():
    b = fight(("goblin",), seed=1)
    turn = b.play(Action("ignite", "m1"))
    text = " ".join(turn.lines)
    assert "goblin" in text
    assert text[0].isupper() and text.endswith(".")
    _ = narrate(b.start, Action("ignite", "m1"), *_engine_step(b.start))


def _engine_step(encounter):
    from game.combat.encounter import Rolls
    from game.combat.rules import resolve

    return resolve(encounter, Action("ignite", "m1"), Rolls(10, 2))


def test_monster_ignites_you_reads_well():
    from game.combat.encounter import Rolls
    from game.combat.rules import resolve

    enc = roster.encounter(roster.hero_at(1), ["goblin"])
    _, enc = resolve(enc, Action("strike", "m1"), Rolls(2, 1))  # the hero misses
    outcome, after = resolve(enc, Action("ignite", HERO), Rolls(10, 1))
    line = narrate(enc, Action("ignite", HERO), outcome, after)[0]
    assert line.startswith("The goblin ignites you for ") and "you are burning (2)" in line


def test_suspended_battle_round_trips():
    b = fight(("orc", "rat"), model=EngineResolver())
    for _ in range(3):
        if b.hero_to_act:
            b.play(Action("strike", b.living_monsters()[0].label))
        else:
            b.play_monster()
    again = Battle.from_dict(b.to_dict(), model=EngineResolver())
    assert again.encounter == b.encounter and again.turns == b.turns
    assert again.rng.random() == b.rng.random()


BUNDLED = __import__("pathlib").Path(__file__).resolve().parent.parent / "assets" / "pico.safetensors"


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLED.exists(), reason="no bundled weights yet")
def test_the_real_model_plays_beside_the_rules():
    from cli.loading import load_model

    side = load_model()
    assert side.ready, side.detail
    assert side.weights["name"] and len(side.weights["sha256"]) == 64
    b = fight(("rat",), model=side.resolver, level=1)
    play_out(b, trust=True)
    assert b.tally.asked == len(b.turns)
    assert all(t.model is not None for t in b.turns)


def test_missing_model_is_unavailable_not_a_crash(tmp_path):
    from cli.loading import load_model

    side = load_model(tmp_path / "nope.safetensors")
    assert not side.ready and side.status == "unavailable" and side.detail
