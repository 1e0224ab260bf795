"""One fight set-up serves play, self-play and training data."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict

import pytest

from game.combat.content import default
from game.combat.encounter import HERO, Action
from game.combat.template import parse_prompt
from game.world import autoplay, fight, generate, roster, selfplay
from game.world.model_side import ModelSide
from game.world.run import Fight, Run


def test_monsters_are_grown_for_the_floor_in_every_set_up():
    content = default()
    hero = roster.hero_at(3)
    shallow = fight.encounter(hero, ["goblin"], 2).get("m1")
    deep = fight.encounter(hero, ["goblin"], 6).get("m1")
    assert (shallow.max_hp, shallow.atk) == (12, 4)
    assert (deep.max_hp, deep.atk, deep.max_mp) == (content.monsters["goblin"].at(6)["hp"], 8, 14)
    # play: a fight met on floor 4 fields floor-4 monsters
    run = Run.new(3)
    run.enter(4)
    m = run.floor.monsters[0]
    battle = run.begin_battle(Fight([m]))
    assert battle.start.get("m1").max_hp == content.monsters[m.kind].at(4)["hp"]


def test_generate_battles_draw_from_the_descent():
    rng = random.Random(4)
    seen = defaultdict(set)
    for _ in range(60):
        for t in generate.battle(rng):
            p = parse_prompt(t.record("battle")["prompt"]).encounter
            for m in p.monsters:
                seen[m.kind].add(m.max_hp)
            break
    # the same kind shows up at several depths, so with several sizes
    assert any(len(sizes) > 1 for sizes in seen.values())


def test_a_potion_is_used_up_only_when_drunk():
    assert fight.used_up(Action("quaff_heal", HERO), HERO, "heal") == "healing_potion"
    assert fight.used_up(Action("quaff_heal", HERO), HERO, "stunned") is None
    assert fight.used_up(Action("quaff_heal", HERO), HERO, "down") is None
    assert fight.used_up(Action("strike", "m1"), HERO, "hit") is None


def test_selfplay_battles_come_from_the_same_draw():
    battle, depth = selfplay.play_battle(11, ModelSide(None, "unavailable"))
    rng = random.Random(11)
    setup = fight.draw(rng)
    assert depth == setup.depth and battle.start == setup.encounter()


@pytest.mark.slow
def test_drawn_heroes_have_the_levels_runs_bring_to_each_floor():
    """fight.hero_on's levels against what scripted runs (both heroes) bring
    to the battles of each floor: the medians within one level."""
    met = defaultdict(list)
    for policy in ("careful", "reckless"):  # the scripted heroes (search and advisor are not what hero_on models)
        for seed in autoplay.seeds(3, 10):
            def note(run, battle, met=met):
                met[run.depth].append(run.level)
            autoplay.play(seed, policy, on_battle=note)
    rng = random.Random(0)
    for depth, levels in met.items():
        if len(levels) < 15:
            continue
        drawn = [fight.hero_on(depth, rng)[0] for _ in range(500)]
        assert abs(statistics.median(drawn) - statistics.median(levels)) <= 1, (depth, statistics.median(levels))
