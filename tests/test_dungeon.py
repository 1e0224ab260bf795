"""Floors: seeded, connected, stocked by depth, the boss at the bottom; the run
moves, fights, levels and suspends."""

from __future__ import annotations

import json

import pytest

from game.combat.content import default
from game.combat.resolver import EngineResolver
from game.records.run import find_run
from game.world import dungeon
from game.world.model_side import model_side
from game.world.run import Run, RunError, forget, suspend


def suspended(folder):
    """The suspended run's data in `folder`, or None."""
    found = find_run(folder)
    return found.data if found else None



def reachable(floor: dungeon.Floor) -> set[tuple[int, int]]:
    seen, todo = {floor.start}, [floor.start]
    while todo:
        x, y = todo.pop()
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                p = (x + dx, y + dy)
                if p not in seen and floor.walkable(p):
                    seen.add(p)
                    todo.append(p)
    return seen


@pytest.mark.parametrize("seed", [0, 1, 7, 123])
def test_same_seed_same_floor(seed):
    a, b = dungeon.generate(seed, 2), dungeon.generate(seed, 2)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != dungeon.generate(seed + 1, 2).to_dict()


FLOORS = default().descent.floors


@pytest.mark.parametrize("depth", range(1, FLOORS + 1))
def test_every_floor_is_connected_and_stocked(depth):
    content = default()
    for seed in range(5):
        floor = dungeon.generate(seed, depth)
        cells = reachable(floor)
        stairs = [(x, y) for y, row in enumerate(floor.tiles) for x, t in enumerate(row) if t == dungeon.STAIRS]
        if depth < FLOORS:
            assert len(stairs) == 1 and stairs[0] in cells
        else:
            assert not stairs
            assert [m.kind for m in floor.monsters].count("dragon") == 1
        for m in floor.monsters:
            assert m.pos in cells and m.pos != floor.start
            # no deeper than the floor below (dungeon.yaml's `ahead`: now and then one of its kinds)
            assert content.monsters[m.kind].depth <= depth + (1 if content.descent.ahead else 0)
        assert len({m.pos for m in floor.monsters}) == len(floor.monsters)
        for i in floor.items:
            assert i.pos in cells


def test_deeper_floors_are_harder():
    content = default()

    def strength(depth):
        return sum(content.monsters[m.kind].at(depth)["hp"] for s in range(8) for m in dungeon.generate(s, depth).monsters)

    assert strength(1) < strength(3) < strength(5)


def test_field_of_view_stops_at_walls():
    floor = dungeon.generate(1, 1)
    floor.see_from(floor.start)
    assert floor.start in floor.visible
    assert floor.visible <= floor.explored
    assert len(floor.visible) < len(reachable(floor))


def test_floor_round_trips():
    floor = dungeon.generate(5, 3)
    assert dungeon.Floor.from_dict(json.loads(json.dumps(floor.to_dict()))).to_dict() == floor.to_dict()


def first_step(floor: dungeon.Floor, start, goals) -> tuple[int, int]:
    """Breadth-first: the first step of a shortest walk from start to any goal."""
    came = {start: None}
    todo = [start]
    while todo:
        p = todo.pop(0)
        if p in goals:
            while came[p] != start:
                p = came[p]
            return p
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                q = (p[0] + dx, p[1] + dy)
                if q not in came and (floor.walkable(q)):
                    came[q] = p
                    todo.append(q)
    raise AssertionError("unreachable")


def walk_to_fight(run: Run, limit: int = 400):
    """Walk the hero towards the nearest monster until a battle begins."""
    for _ in range(limit):
        step = first_step(run.floor, run.pos, {m.pos for m in run.floor.monsters})
        battle = run.move(step[0] - run.pos[0], step[1] - run.pos[1])
        if battle:
            return battle
    raise AssertionError("no fight")


def test_run_walks_into_a_fight_wins_and_levels():
    run = Run.new(1)
    battle = walk_to_fight(run)
    assert battle is run.battle and 1 <= len(battle.start.monsters) <= 3
    battle.model = EngineResolver()
    before = len(run.floor.monsters)
    while not battle.over:
        if battle.hero_to_act:
            battle.play(next(o.action for o in battle.options() if o.ready and o.ability == "strike"))
        else:
            battle.play_monster()
    run.end_battle()
    assert battle.won  # seed 1: a rat and a bat, and the hero wins
    assert len(run.floor.monsters) == before - len(battle.start.monsters) == before - 2
    assert run.kills == len(battle.start.monsters) and run.xp > 0 and not run.cause
    assert run.tally.asked == len(battle.turns)


def test_run_suspends_and_continues(tmp_path):
    run = Run.new(11)
    battle = walk_to_fight(run)
    battle.play(battle.options()[0].action)
    path = suspend(run, tmp_path)
    assert path.exists() and not list(tmp_path.glob("*.tmp"))
    data = suspended(tmp_path)
    again = Run.from_dict(data, model=model_side(EngineResolver()).resolver)
    assert again.to_dict() == run.to_dict()
    assert again.battle.encounter == run.battle.encounter
    forget(tmp_path)
    assert suspended(tmp_path) is None


def test_damaged_run_file_is_refused():
    with pytest.raises(RunError):
        Run.from_dict({"kind": "pico-rogue run", "version": 1, "seed": 1})
    with pytest.raises(RunError):
        Run.from_dict({"kind": "something else"})


def test_the_suspended_runs_summary_counts_the_battle_it_was_left_in(tmp_path):
    run = Run.new(1)
    battle = walk_to_fight(run)
    battle.model = EngineResolver()
    while not battle.over:  # seed 1: a rat and a bat, and the hero wins, hurt
        if battle.hero_to_act:
            battle.play(next(o.action for o in battle.options() if o.ready and o.ability == "strike"))
        else:
            battle.play_monster()
    suspend(run, tmp_path)  # quit on the victory screen: the run's own hp and kills are from before the battle
    hero = battle.encounter.hero
    assert run.kills == 0 and hero.hp < run.hp
    assert find_run(tmp_path).summary.endswith(f", {hero.hp} hp, 2 kills")
    run = Run.new(11)
    walk_to_fight(run)  # quit as the battle begins
    suspend(run, tmp_path)
    assert find_run(tmp_path).summary.endswith(f", {run.hp} hp, 0 kills, in a battle")
    run.trust = True  # the continue box's banner says RULES: the summary says the run trusts the model
    suspend(run, tmp_path)
    assert find_run(tmp_path).summary.endswith(", in a battle, trusting the model")
