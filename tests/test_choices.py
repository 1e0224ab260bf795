"""Issue 17's choices, as a player meets them: examining a monster (`;`),
every action's effect on screen at 80x24, the flee key's chance and price,
a flight that costs a parting blow and a step back, and statuses that go on
ticking on the map."""

from __future__ import annotations

import random
import re

from pilot import SIZE, bump_a_monster, make_app, settle
from test_screens import visible

from game.combat.content import default
from game.combat.describe import ability_words, look
from game.combat.encounter import Status
from game.ui.screens.battle import BattleScreen
from game.ui.screens.dungeon import DungeonScreen, StatusLine
from game.ui.screens.examine import ExamineScreen
from game.world import examine, fight, roster
from game.world.dungeon import Monster


def put_in_sight(run, kind: str, awake: bool, gap: int = 2) -> Monster:
    """A monster `gap` steps right of the hero, on open floor."""
    for x, y in sorted(run.floor.explored):
        cells = [(x + i, y) for i in range(gap + 1)]
        if all(run.floor.walkable(c) and not run.floor.monster_at(c) for c in cells):
            run.pos = (x, y)
            m = Monster(98, kind, x + gap, y, awake=awake)
            run.floor.monsters.append(m)
            run.floor.see_from(run.pos)
            return m
    raise AssertionError("no spot")


def examined(app) -> str:
    return str(app.screen.query_one("#examine").render())


# --- the words -----------------------------------------------------------------


def test_an_ability_in_words_has_its_numbers():
    content = default()
    assert ability_words("ignite", content) == (
        "ignite: 2+d4 damage ignoring armour, and the target is burning for 2 turns (loses 3 hp each turn); "
        "3 mp, cooldown 2")
    hero, orc = roster.hero_at(1), roster.monster("orc", "m1", depth=3)
    assert ability_words("strike", content, user=hero) == "strike: 4+d4 damage less armour"
    # short, against a target: the hp it takes off (orc def 2), and the status
    assert ability_words("poison_strike", content, user=hero, target=orc, short=True) == "2-5 +psn 3/2"
    assert ability_words("heal", content, user=hero, short=True) == "+7-10hp"
    guarded = orc.with_(statuses=(Status("guard", 2, 3),))
    assert ability_words("strike", content, user=hero, target=guarded, short=True) == "1-3"


def test_a_monster_in_words_says_its_statuses_and_when_each_ability_is_ready():
    goblin = roster.monster("goblin", "m1").with_(hp=5, statuses=(Status("burn", 2, 3),), cooldowns=(("ignite", 1),))
    lines = look(goblin)
    assert lines[0] == "goblin: hp 5/12, mp 6/6, atk 4, def 1"
    assert "burning, 2 turns left: loses 3 hp each turn" in lines
    assert lines[-1].startswith("ignite: 2+d4 damage ignoring armour") and lines[-1].endswith("(ready in 1 turn)")


# --- examine on the map and in battle ------------------------------------------------


async def test_examine_on_the_map_cycles_through_the_monsters_in_sight(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        run = app.game
        run.floor.monsters.clear()
        await pilot.press("semicolon")
        await pilot.pause()
        assert "Nothing in sight" in examined(app)
        await pilot.press("escape")
        await pilot.pause()
        goblin = put_in_sight(run, "goblin", awake=False, gap=2)
        goblin.hp, goblin.statuses = 7, (Status("poison", 2, 2),)
        snake = Monster(97, "snake", goblin.x + 1, goblin.y, awake=True)
        run.floor.monsters.append(snake)
        run.floor.see_from(run.pos)
        await pilot.press("semicolon")
        await pilot.pause()
        assert isinstance(app.screen, ExamineScreen)
        text = examined(app)
        assert "goblin: hp 7/12" in text and "poisoned, 2 turns left: loses 2 hp each turn" in text
        assert "It has not noticed you yet" in text
        assert "ignite: 2+d4 damage ignoring armour" in text and "3 mp, cooldown 2" in text
        assert "Examine: goblin, 2 steps east (1 of 2)" in str(app.screen.query_one("#examine-box").border_title)
        await pilot.press("semicolon")
        await pilot.pause()
        text = examined(app)
        assert "snake: hp" in text and "It has noticed you" in text and "poison strike:" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DungeonScreen) and run.pos == (goblin.x - 2, goblin.y)  # looking moved nothing


async def test_examine_in_battle_shows_the_monsters_and_your_own_abilities_in_full(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.game.battle
        m1 = battle.encounter.get("m1")
        await pilot.press("l")  # a move key run on into the battle: examines nothing, acts nothing
        await pilot.pause()
        assert not isinstance(app.screen, ExamineScreen) and app.game.battle.encounter == battle.encounter
        await pilot.press("semicolon")
        await pilot.pause()
        assert isinstance(app.screen, ExamineScreen)
        assert f"{m1.kind}: hp {m1.hp}/{m1.max_hp}" in examined(app)
        for _ in battle.living_monsters():
            await pilot.press("tab")
            await pilot.pause()
        text = examined(app)
        assert "poison strike: 3+d4 damage less armour, and the target is poisoned for 3 turns" in text
        assert "quaff heal: heals 10+d4 hp; uses a healing potion" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BattleScreen) and not battle.turns


def test_the_sightings_of_a_battle_follow_its_state():
    battle_encounter = roster.encounter(roster.hero_at(2), ["rat", "goblin"])
    from game.world.battle import Battle

    battle = Battle(battle_encounter.replacing(battle_encounter.get("m1").with_(hp=0)))
    names = [s.name for s in examine.in_battle(battle)]
    assert names == ["m2 goblin", "you"]  # the dead are not examined


# --- the action list and the flee key at 80x24 ------------------------------------------


async def test_at_80x24_every_action_shows_its_effect_and_the_flee_key_its_price(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.game.battle
        crowd = roster.encounter(battle.encounter.hero, ["orc", "goblin"], depth=3)
        battle.encounter = battle.start = crowd
        app.screen.show_battle()
        await settle(pilot)
        for _ in range(50):  # the footer draws after the action list; a loaded machine takes a few frames
            text = visible(app)
            lines = text.splitlines()
            if "Save & quit" in lines[-1]:
                break
            await pilot.pause(0.05)
        assert all(len(line) <= 80 for line in lines)
        hero, orc = crowd.hero, crowd.get("m1")
        for name in ("strike", "poison_strike", "ignite"):
            assert ability_words(name, user=hero, target=orc, short=True) in text, text
        assert "+7-10hp full hp" in text and "grd 2/3" in text and "rgn 4/3 none left" in text
        odds = fight.flee_odds(crowd)
        lo, hi = odds.blow
        assert re.search(rf"flee 45% +blow {lo}-{hi}", text), text
        assert "Save & quit" in lines[-1]


async def test_the_flee_key_is_greyed_before_the_dragon(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.game.battle
        battle.encounter = battle.start = roster.encounter(battle.encounter.hero, ["dragon"], depth=6)
        app.screen.show_battle()
        await pilot.pause()
        assert "the dragon bars the way" in visible(app)


# --- a flight's price, and statuses on the map -------------------------------------------


async def test_fleeing_costs_a_parting_blow_and_a_step_back(tmp_path):
    app = make_app(tmp_path, seed=8)  # the first monster met is a lone bat: room to step back from it
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        run, battle = app.game, app.game.battle
        assert [m.kind for m in battle.encounter.monsters] == ["bat"]
        odds = fight.flee_odds(battle.encounter)
        assert odds.striker is not None and odds.striker.label == "m1"
        battle.rng = random.Random(next(s for s in range(1000) if random.Random(s).random() < odds.chance))
        await pilot.press("f")
        await settle(pilot)
        assert battle.over and battle.fled
        blow = battle.turns[-1]
        assert blow.actor == odds.striker.label and blow.action.ability == "strike"
        assert any("parting blow" in line for line in run.log)
        foe = next(m for m in run.floor.monsters if m.id == run.foes[0])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert max(abs(run.pos[0] - foe.x), abs(run.pos[1] - foe.y)) >= 2  # stepped back: no bump at once


async def test_a_poison_from_the_battle_ticks_on_the_map_and_shows_in_the_status_line(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        run, battle = app.game, app.game.battle
        hero = battle.encounter.hero.with_(statuses=(Status("poison", 3, 2),))
        dead = [m.with_(hp=0) for m in battle.encounter.monsters]
        battle.encounter = type(battle.encounter)(battle.encounter.turn, "end", (hero, *dead))
        app.screen.show_battle()
        app.screen.next_step()
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert run.statuses == (Status("poison", 3, 2),)
        assert "psn 3/2" in str(app.screen.query_one(StatusLine).render())
        hp = run.hp
        await pilot.press("full_stop")
        await settle(pilot)
        assert run.statuses == (Status("poison", 2, 2),) and run.hp <= hp - 1  # -2, +1 at most resting
        assert "psn 2/2" in str(app.screen.query_one(StatusLine).render())


async def test_on_a_wide_screen_a_greyed_action_keeps_its_effect_beside_why(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        text = visible(app)
        assert "+7-10hp at full health" in text and "rgn 4/3 no regen potion" in text, text
        assert "3-6 +brn 2/3 · sets the foe" in text


def test_a_finished_battle_says_enter_before_the_file():
    """At 80x24 a tall roster cut the actions panel after 'Battle saved
    to': the key to press came last and was lost. It comes first now."""
    from game.ui.screens.fighters import Choices, render_choices

    shown = render_choices(Choices(ended="Victory!", saved_to="/tmp/saves/battle-s1-f1-001.json"), default(), True)
    lines = shown.plain.splitlines()
    assert lines[:2] == ["Victory!", "Press Enter to continue."] and lines[2].startswith("Battle saved to ")
