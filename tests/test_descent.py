"""The run between battles and around them: fleeing, potions outside battle,
the inventory, travel and auto-explore, the messages a player reads."""

from __future__ import annotations

import json
import random

import pytest

from game.combat.content import default
from game.combat.encounter import HERO, Action, Status
from game.combat.resolver import EngineResolver
from game.world import dungeon, fight, roster
from game.world.battle import Battle
from game.world.dungeon import Item, Monster
from game.world.run import LOST_TRAIL, Fight, Run, cause_of_death, distance, where


def quiet_run(seed: int = 3) -> Run:
    """A run on floor 1 with no monsters left on the map, to walk freely."""
    run = Run.new(seed)
    run.floor.monsters.clear()
    return run


def stand_beside(run: Run, kind: str) -> Monster:
    """Put a monster of `kind` right of the hero (on a free floor cell)."""
    for x, y in sorted(run.floor.explored):
        if run.floor.walkable((x, y)) and run.floor.walkable((x + 1, y)) and (x, y) != run.floor.start:
            run.pos = (x, y)
            m = Monster(99, kind, x + 1, y, awake=True)
            run.floor.monsters.append(m)
            run.floor.see_from(run.pos)
            return m
    raise AssertionError("no spot")


# --- fleeing -------------------------------------------------------------------


def battle_with_flee_dice(kinds: list[str], away: bool, depth: int = 1) -> Battle:
    """A battle whose next flee roll is known: the seed is searched so that
    the battle's first random draw lands on the side asked for."""
    encounter = fight.encounter(roster.hero_at(3), kinds, depth)
    chance = fight.flee_chance(encounter)
    seed = next(s for s in range(1000) if (random.Random(s).random() < chance) == away)
    return Battle(encounter, seed=seed)


def test_a_failed_flee_gives_the_monsters_their_turns():
    battle = battle_with_flee_dice(["orc", "goblin"], away=False)
    start = battle.encounter
    got_away, lines = battle.flee()
    assert not got_away and not battle.over and "blocked" in lines[0]
    # the hero's turn passed without a transition: the first monster acts next,
    # the hero's state is untouched, the clock moved on
    assert battle.encounter.actor == "m1" and battle.encounter.turn == start.turn + 1
    assert battle.encounter.combatants == start.combatants and battle.turns == []
    turn = battle.play_monster()
    assert turn.actor == "m1"
    assert battle.flights == [(1, False)]


def test_a_successful_flee_costs_a_parting_blow_then_ends_the_battle_without_a_win():
    battle = battle_with_flee_dice(["rat", "orc"], away=True, depth=3)
    odds = fight.flee_odds(battle.encounter)
    assert odds.striker.kind == "orc"  # the one that hits hardest strikes
    got_away, lines = battle.flee()
    assert got_away and not battle.over and battle.parting == "m2" and "parting blow" in lines[0]
    # suspended here, the blow still comes when the run is continued
    battle = Battle.from_dict(json.loads(json.dumps(battle.to_dict())))
    blow = battle.play_monster()
    assert blow.actor == "m2" and blow.action == Action("strike", HERO)
    assert battle.over and battle.fled and not battle.won and battle.parting is None
    hit = battle.start.hero.hp - battle.encounter.hero.hp
    lo, hi = odds.blow
    assert hit == 0 or lo <= hit <= hi + 10  # a miss, a hit, or a crit (def ignored)
    again = Battle.from_dict(json.loads(json.dumps(battle.to_dict())))
    assert again.fled and again.flights == [(1, True)]


def test_a_parting_blow_can_kill():
    battle = battle_with_flee_dice(["orc"], away=True, depth=3)
    battle.encounter = battle.encounter.replacing(battle.encounter.hero.with_(hp=1))
    battle.flee()
    battle.rng = random.Random(next(s for s in range(1000) if _first_d20(s) > 3))  # the blow lands
    battle.play_monster()
    assert battle.over and not battle.fled and battle.result == "lost"


def _first_d20(seed: int) -> int:
    from game.combat.dice import roll
    return roll(random.Random(seed)).d20


def test_the_flee_label_says_the_chance_and_the_cost():
    encounter = fight.encounter(roster.hero_at(3), ["rat", "orc"], 3)
    odds = fight.flee_odds(encounter)
    lo, hi = odds.blow
    assert fight.flee_words(odds) == (f"flee 45%: on a success the orc strikes you once ({lo}-{hi} hp), "
                                      "on a failure the monsters act")
    assert fight.flee_words(odds, short=True) == f"flee 45%, blow {lo}-{hi}"


def test_the_chance_to_flee_falls_with_more_monsters_and_is_none_from_the_boss():
    one = fight.flee_chance(fight.encounter(roster.hero_at(3), ["rat"], 1))
    three = fight.flee_chance(fight.encounter(roster.hero_at(3), ["rat", "rat", "rat"], 1))
    assert 0 < three < one < 1
    boss = fight.encounter(roster.hero_at(9), ["dragon"], 6)
    assert fight.flee_chance(boss) == 0
    battle = Battle(boss)
    with pytest.raises(Exception, match="dragon bars the way"):
        battle.flee()
    # a stunned monster does not block the way
    enc = fight.encounter(roster.hero_at(3), ["rat", "rat"], 1)
    stunned = enc.replacing(enc.get("m2").with_(statuses=(Status("stun", 1, 0),)))
    assert fight.flee_chance(stunned) == one


def test_fled_monsters_keep_their_wounds_and_lose_the_trail():
    run = quiet_run()
    orc = stand_beside(run, "orc")
    battle = run.begin_battle(Fight([orc]))
    battle.encounter = battle.encounter.replacing(battle.encounter.get("m1").with_(hp=7))
    orc_state = battle.encounter.get("m1").with_(statuses=(Status("burn", 2, 3),), cooldowns=(("bash", 3),))
    battle.encounter = battle.encounter.replacing(orc_state)
    chance = fight.flee_chance(battle.encounter)
    battle.rng = random.Random(next(s for s in range(1000) if random.Random(s).random() < chance))
    was = run.pos
    assert run.flee()
    battle.play_monster()  # the parting blow: the orc's turn, its burn ticks
    assert battle.fled
    run.end_battle()
    assert orc in run.floor.monsters and orc.hp == 4 and orc.lost > 0
    assert orc.statuses == (Status("burn", 1, 3),) and orc.cooldowns == (("bash", 2),)
    assert run.fights[-1]["result"] == "fled" and run.kills == 0
    assert run.log[-3].startswith("You got away")
    assert run.log[-1] == f"Still in sight: an orc ({where(run.pos, orc.pos)})."  # two steps away: said
    # the hero stepped back from it
    assert max(abs(run.pos[0] - orc.x), abs(run.pos[1] - orc.y)) == 2 and run.pos != was
    # it does not chase at once; its burn and its cooldown wear off as the hero walks (not below 1 hp)
    run.wait()
    assert orc.lost == LOST_TRAIL - 1
    assert orc.hp == 1 and orc.statuses == () and orc.cooldowns == (("bash", 1),)
    # the next fight with it starts from its wounds and what is left of its cooldown
    again = run.begin_battle(Fight([orc]))
    assert again.start.get("m1").hp == 1 and again.start.get("m1").cooldown("bash") == 1


# --- potions, inventory and messages ---------------------------------------------


def test_potions_are_drunk_outside_battle():
    run = quiet_run()
    run.potions = {"healing_potion": 2, "regen_potion": 1}
    max_hp = run.hero_template().max_hp
    assert not run.drink("healing_potion")  # at full health: kept
    assert run.potions["healing_potion"] == 2 and "keep" in run.log[-1]
    run.hp = 5
    assert run.drink("healing_potion")
    assert 5 + 11 <= run.hp <= 5 + 14 and run.potions["healing_potion"] == 1
    assert run.log[-1].startswith("You drink a healing potion and heal")
    run.hp = 5
    assert run.drink("regen_potion") and run.statuses == (Status("regen", 4, 3),)
    assert run.log[-1] == "You drink a regeneration potion: you are regenerating for 4 turns (regains 3 hp each turn)."
    before = run.hp
    run.wait()
    assert run.hp >= before + 3 and run.statuses == (Status("regen", 3, 3),)
    assert not run.drink("regen_potion") and "no regeneration potion" in run.log[-1]
    assert run.hp <= max_hp


def test_the_inventory_names_and_counts_what_is_carried():
    run = quiet_run()
    run.potions = {"healing_potion": 3, "regen_potion": 1}
    run.charms = {"whetstone": 2}
    assert run.carrying() == "3 healing potions, a regeneration potion"
    items = {c.kind: c for c in run.inventory()}
    assert items["whetstone"].text == "2 whetstones" and not items["whetstone"].drinkable
    # three of them: the description is each one's (test_app checks the words)
    assert items["healing_potion"].describe == "each " + default().items["healing_potion"].describe
    assert items["regen_potion"].describe == default().items["regen_potion"].describe


def test_picking_up_names_the_item():
    run = quiet_run()
    x, y = run.pos
    step = next((dx, dy) for dx, dy in dungeon.NEIGHBOURS if run.floor.walkable((x + dx, y + dy)))
    run.floor.items.append(Item("whetstone", x + step[0], y + step[1]))
    atk = run.hero_template().atk
    run.move(*step)
    assert run.log[-1] == "You find a whetstone: it sharpens your blade (+1 atk)."
    assert run.hero_template().atk == atk + 1 and run.charms == {"whetstone": 1}


def test_a_monster_still_in_sight_after_a_battle_is_said_with_where_it_is():
    run = quiet_run()
    rat = stand_beside(run, "rat")
    bat = None
    for x, y in sorted(run.floor.visible, key=lambda p: -abs(p[0] - run.pos[0]) - abs(p[1] - run.pos[1])):
        if run.floor.walkable((x, y)) and (x, y) not in (run.pos, rat.pos) and distance((x, y), run.pos) > 1:
            bat = Monster(98, "bat", x, y)  # asleep, out of reach of the fight
            break
    run.floor.monsters.append(bat)
    battle = run.begin_battle(Fight([rat]))
    for _ in range(100):
        if battle.over:
            break
        battle.play(Action("strike", "m1")) if battle.hero_to_act else battle.play_monster()
    assert battle.won
    run.end_battle()
    assert run.log[-1] == f"Still in sight: a bat ({where(run.pos, bat.pos)})."


def test_the_level_up_comes_before_the_count_to_the_next_level():
    run = quiet_run()
    rat = stand_beside(run, "rat")
    run.xp = run.next_level_xp - 1
    battle = run.begin_battle(Fight([rat]))
    for _ in range(100):
        if battle.over:
            break
        if battle.hero_to_act:
            battle.play(Action("strike", "m1"))
        else:
            battle.play_monster()
    assert battle.won
    run.end_battle()
    assert run.level == 2
    tail = run.log[-3:]
    assert tail[0].startswith("Victory: +2 xp")
    assert tail[1].startswith("You reach level 2")
    assert tail[2] == f"{run.next_level_xp - run.xp} xp to level 3." and run.next_level_xp > run.xp


def test_the_whole_message_log_is_kept_and_saved():
    run = quiet_run()
    for n in range(500):
        run.say(f"line {n}")
    again = Run.from_dict(json.loads(json.dumps(run.to_dict())))
    assert again.log == run.log and again.log[0].startswith("You enter the dungeon") and len(again.log) == 501


def test_a_version_1_suspended_run_is_still_read():
    run = quiet_run()
    data = run.to_dict()
    data["version"] = 1
    for key in ("charms", "regen", "fights", "deepest"):
        del data[key]
    data["floor"]["monsters"] = [row[:5] for row in data["floor"]["monsters"]]
    del data["floor"]["last"]
    again = Run.from_dict(data)
    assert again.pos == run.pos and again.fights == [] and again.charms == {}


# --- travel, explore, stairs ---------------------------------------------------------


def test_explore_walks_the_floor_and_picks_up_what_it_sees():
    run = quiet_run(5)
    items = len(run.floor.items)
    assert items and dungeon.stairs(run.floor) is None
    assert run.explore() is None
    assert dungeon.frontier(run.floor) == set() and not run.floor.items
    assert sum(run.potions.values()) + sum(run.charms.values()) == items + 1  # and the potion it started with
    assert run.log[-1] == "You have explored this floor (the stairs are known)."
    assert dungeon.stairs(run.floor) is not None


def test_explore_stops_when_a_monster_comes_into_sight():
    run = quiet_run(5)
    unseen = sorted(
        (x, y) for y in range(run.floor.height) for x in range(run.floor.width)
        if run.floor.walkable((x, y)) and (x, y) not in run.floor.explored)
    far = unseen[len(unseen) // 2]
    run.floor.monsters.append(Monster(50, "rat", *far))
    assert run.explore() is None
    assert far in run.floor.visible and run.log[-1].startswith("You see a rat (")
    assert dungeon.frontier(run.floor)  # it stopped before the floor was done
    rat = run.floor.monsters[-1]  # it may have woken and moved: where it is now, said
    assert run.explore() is None and run.log[-1].startswith(f"Not with monsters in sight: a rat {where(run.pos, rat.pos)}")


def test_stairs_key_travels_then_descends():
    run = quiet_run(5)
    assert run.go_down() is None and "not found the stairs" in run.log[-1]
    run.explore()
    stairs = dungeon.stairs(run.floor)
    run.go_down()
    assert run.pos == stairs and run.depth == 1
    run.go_down()
    assert run.depth == 2 and run.log[-1] == "You descend to floor 2."


def test_no_stairs_on_the_last_floor():
    run = quiet_run()
    run.enter(default().descent.floors)
    run.go_down()
    assert "no stairs down on this floor" in run.log[-1]


# --- the cause of death -------------------------------------------------------------------


def test_cause_of_death_reads_the_parsed_prompt():
    hero = roster.hero_at(1).with_(hp=2, statuses=(Status("poison", 2, 2), Status("burn", 1, 3)))
    battle = Battle(fight.encounter(hero, ["rat"], 1))
    battle.play(Action("strike", "m1"))
    assert battle.encounter.hero.hp == 0
    assert cause_of_death(battle, 4) == "succumbed to poison and burn on floor 4"
    # the orc's blow lands (a d20 of 4 or more) on a hero with 1 hp
    seed = next(s for s in range(1000) if random.Random(s).randint(1, 20) >= 4)
    start = fight.encounter(roster.hero_at(1).with_(hp=1), ["orc"], 3)
    orc = Battle(start.__class__(1, "m1", start.combatants), seed=seed)
    orc.play(Action("strike", HERO))
    assert not orc.encounter.hero.alive
    assert cause_of_death(orc, 3) == "killed by an orc on floor 3"


def test_model_as_engine_in_a_run_counts_every_turn(tmp_path):
    run = quiet_run()
    rat = stand_beside(run, "rat")
    battle = run.begin_battle(Fight([rat]), model=EngineResolver())
    while not battle.over:
        if battle.hero_to_act:
            battle.play(Action("strike", "m1"), trust=True)
        else:
            battle.play_monster(trust=True)
    run.end_battle("somewhere.json")
    f = run.fights[-1]
    assert f["asked"] == f["agreed"] == f["driven"] == f["turns"] == len(battle.turns)
    assert f["divergent"] == [] and f["file"] == "somewhere.json"


def test_a_monster_that_stops_explore_is_placed_in_words():
    """At 80x24 the map shows only the hero's surroundings: `x` stopped on a
    monster off the screen, and the log did not say where it was."""
    from game.world.run import where

    assert where((10, 10), (14, 7)) == "4 steps north-east"
    assert where((10, 10), (9, 10)) == "1 step west"
    assert where((10, 10), (10, 16)) == "6 steps south"
    assert where((10, 10), (2, 9)) == "8 steps west"  # 8 west and 1 north: west, as a compass rounds it
    assert where((10, 10), (4, 7)) == "6 steps north-west"
    run = quiet_run(5)
    unseen = sorted(
        (x, y) for y in range(run.floor.height) for x in range(run.floor.width)
        if run.floor.walkable((x, y)) and (x, y) not in run.floor.explored)
    far = unseen[len(unseen) // 2]
    rat = Monster(50, "rat", *far)
    run.floor.monsters.append(rat)
    assert run.explore() is None
    assert run.log[-1] == f"You see a rat ({where(run.pos, rat.pos)})."  # where it is now: it may have moved


# --- statuses that outlast a battle ----------------------------------------------


def test_the_heros_statuses_and_cooldowns_outlast_the_battle_and_tick_as_it_walks():
    run = quiet_run()
    rat = stand_beside(run, "rat")
    battle = run.begin_battle(Fight([rat]))
    hero = battle.encounter.hero.with_(hp=9, statuses=(Status("poison", 3, 2), Status("guard", 1, 3)),
                                       cooldowns=(("poison_strike", 0), ("ignite", 2), ("heal", 0), ("guard", 1)))
    battle.encounter = battle.encounter.replacing(hero, battle.encounter.get("m1").with_(hp=0))
    battle.encounter = type(battle.encounter)(battle.encounter.turn, "end", battle.encounter.combatants)
    run.end_battle()
    assert run.statuses == (Status("poison", 3, 2), Status("guard", 1, 3))
    assert dict(run.cooldowns)["ignite"] == 2
    run.moves = 2  # so the next move's natural regeneration adds nothing (it comes every second move)
    run.wait()  # one tick a move, the rules' order: tick, then lose a turn
    assert run.hp == 9 - 2 and run.statuses == (Status("poison", 2, 2),) and dict(run.cooldowns)["ignite"] == 1
    assert run.log[-1] == "You are no longer on guard."
    # a suspended run keeps them
    again = Run.from_dict(json.loads(json.dumps(run.to_dict())))
    assert again.statuses == run.statuses and again.cooldowns == run.cooldowns
    # the next battle starts with what is left, in the prompt the model reads
    m = stand_beside(run, "bat")
    start = run.begin_battle(Fight([m])).start.hero
    assert start.statuses == (Status("poison", 2, 2),) and start.cooldown("ignite") == 1


def test_outside_battle_a_damage_tick_stops_at_one_hp():
    run = quiet_run()
    run.hp, run.statuses = 3, (Status("burn", 2, 3),)
    run.moves = 2
    run.wait()
    assert run.hp == 1 and run.statuses == (Status("burn", 1, 3),) and not run.over
    run.wait()
    assert run.hp >= 1 and run.statuses == () and not run.over


def test_a_version_2_runs_regeneration_potion_becomes_a_status():
    run = quiet_run()
    d = run.to_dict() | {"version": 2, "regen": [3, 3]}
    d.pop("statuses"), d.pop("cooldowns")
    assert Run.from_dict(d).statuses == (Status("regen", 3, 3),)


def test_a_run_with_a_status_the_template_cannot_hold_is_refused():
    from game.records.files import RunError

    run = quiet_run()
    with pytest.raises(RunError, match="status"):
        Run.from_dict(run.to_dict() | {"statuses": [["poison", 0, 2]]})
    with pytest.raises(RunError, match="status"):
        Run.from_dict(run.to_dict() | {"statuses": [["frostbite", 2, 2]]})
