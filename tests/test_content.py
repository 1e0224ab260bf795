"""Game content: the bundled YAML is complete, and a broken file gives one
clear ContentError naming the file and the entry."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from game.combat.content import ASSETS, ContentError, default, load

ACTIONS = ("strike", "poison_strike", "ignite", "heal", "guard")
STATUSES = ("poison", "burn", "regen", "guard", "stun")


def test_bundled_content_is_complete():
    c = default()
    assert set(ACTIONS) <= set(c.abilities)
    assert set(STATUSES) <= set(c.statuses)
    assert len(c.monsters) >= 8
    assert any(m.boss for m in c.monsters.values())
    assert set(ACTIONS) <= set(c.hero.abilities)
    for m in c.monsters.values():
        assert "strike" in m.abilities, m.name  # every monster can always act
        assert set(m.abilities) <= set(c.abilities)
    weakest = min(c.monsters.values(), key=lambda m: m.hp)
    boss = next(m for m in c.monsters.values() if m.boss)
    assert boss.hp > 3 * weakest.hp and boss.depth == max(m.depth for m in c.monsters.values())
    for item in c.items.values():
        assert item.ability is None or c.abilities[item.ability].item == item.name


def test_status_order_is_the_file_order():
    assert default().status_order[: len(STATUSES)] == STATUSES


def test_load_is_the_default():
    assert load(ASSETS) == default()


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    folder = tmp_path / "assets"
    shutil.copytree(ASSETS, folder)
    return folder


def _replace(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text()
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1))


BROKEN = [
    # (name, file, old, new, what the message must say)
    ("bad yaml", "monsters.yaml", "rat:\n  glyph: r", "rat:\n  glyph: [r", ["monsters.yaml", "not valid YAML", "line"]),
    ("bad yaml indent", "abilities.yaml", "strike:\n  target: enemy", "strike:\n target: enemy\n  damage: 0",
     ["abilities.yaml", "not valid YAML"]),
    ("missing field", "monsters.yaml", "  hp: 12\n", "", ["monsters.yaml", "'goblin'", "missing field 'hp'"]),
    ("wrong type", "monsters.yaml", "  hp: 16\n", "  hp: lots\n", ["monsters.yaml", "'skeleton'", "'hp'", "int"]),
    ("bool is not int", "abilities.yaml", "  cost: 3\n", "  cost: true\n", ["abilities.yaml", "'ignite'", "'cost'"]),
    ("out of range", "monsters.yaml", "  atk: 12\n", "  atk: 99\n", ["monsters.yaml", "'dragon'", "'atk'", "99"]),
    ("grows past the template", "monsters.yaml", "grow: {hp: 2, atk: 1}\n", "grow: {hp: 2, atk: 4}\n",
     ["monsters.yaml", "'rat'", "floor 6", "atk", "22", "20"]),
    ("grows too fast", "monsters.yaml", "grow: {hp: 4, mp: 2, atk: 1}", "grow: {hp: 90, mp: 2, atk: 1}",
     ["monsters.yaml", "'troll'", "'grow'", "0..10"]),
    ("grows an unknown stat", "monsters.yaml", "grow: {hp: 2, atk: 1}\n", "grow: {hp: 2, luck: 1}\n",
     ["monsters.yaml", "'rat'", "'grow'", "luck"]),
    ("first floor below the last", "monsters.yaml", "  depth: 5\n", "  depth: 9\n",
     ["monsters.yaml", "'troll'", "'depth'", "1..6"]),
    ("two bosses", "monsters.yaml", "  style: brute\n  grow: {hp: 2, atk: 1}\n",
     "  style: brute\n  boss: true\n  grow: {hp: 2, atk: 1}\n", ["monsters.yaml", "exactly one", "boss"]),
    ("no item title", "items.yaml", "  title: whetstone\n", "", ["items.yaml", "'whetstone'", "missing field 'title'"]),
    ("carries a charm", "hero.yaml", "carries: {healing_potion: 1}", "carries: {whetstone: 1}",
     ["hero.yaml", "'carries'", "whetstone"]),
    ("items backwards", "dungeon.yaml", "items: [3, 3]", "items: [3, 2]", ["dungeon.yaml", "'items'", "[3, 2]"]),
    ("no floors", "dungeon.yaml", "floors: 6", "floors: 0", ["dungeon.yaml", "'floors'", "1..20"]),
    ("unknown status referenced", "abilities.yaml", "{status: poison,", "{status: venom,",
     ["abilities.yaml", "'poison_strike.applies'", "unknown status 'venom'"]),
    ("unknown ability in monster", "monsters.yaml", "abilities: [strike, bash]", "abilities: [strike, smash]",
     ["monsters.yaml", "'orc'", "unknown ability 'smash'"]),
    ("unknown ability in hero", "hero.yaml", "abilities: [strike,", "abilities: [stab,",
     ["hero.yaml", "unknown ability 'stab'"]),
    ("bad choice", "statuses.yaml", "  tick: heal", "  tick: soothe", ["statuses.yaml", "'regen'", "'tick'", "soothe"]),
    ("bad style", "monsters.yaml", "  style: caster\n", "  style: sneaky\n", ["monsters.yaml", "'goblin'", "sneaky"]),
    ("entry not a mapping", "items.yaml",
     "whetstone:\n  glyph: \"/\"\n  title: whetstone\n  raises: {atk: 1}\n  find: 2\n  describe: sharpens your blade (+1 atk)\n",
     "whetstone: 3\n", ["items.yaml", "'whetstone'", "mapping"]),
    ("nested ability list", "monsters.yaml", "abilities: [strike, bash]", "abilities: [strike, [bash]]",
     ["monsters.yaml", "'orc'", "unknown ability ['bash']"]),
    ("abilities not a list", "monsters.yaml", "abilities: [strike, bash]", "abilities: strike",
     ["monsters.yaml", "'orc'", "'abilities' must be list"]),
    ("per_level not a number", "hero.yaml", "per_level: {max_hp: 5", "per_level: {max_hp: five",
     ["hero.yaml", "'hero'", "per_level", "five"]),
    ("name not a word", "monsters.yaml", "\nrat:", "\n7:", ["monsters.yaml", "entry '7'", "lowercase word"]),
    ("name with a space", "statuses.yaml", "\nburn:", "\non fire:", ["statuses.yaml", "'on fire'", "lowercase word"]),
    ("unknown item ability", "items.yaml", "ability: quaff_heal", "ability: quaff_ale",
     ["items.yaml", "'healing_potion'", "'quaff_ale'"]),
    ("bad raise", "items.yaml", "raises: {atk: 1}", "raises: {luck: 1}", ["items.yaml", "'whetstone'", "raises"]),
    ("unknown item in ability", "abilities.yaml", "item: healing_potion", "item: elixir",
     ["abilities.yaml", "'quaff_heal'", "unknown item 'elixir'"]),
]


@pytest.mark.parametrize("name,file,old,new,says", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_gives_one_clear_error(assets, name, file, old, new, says):
    _replace(assets, file, old, new)
    with pytest.raises(ContentError) as err:
        load(assets)
    message = str(err.value)
    assert "\n" not in message
    for word in says:
        assert word in message, (name, message)


def test_missing_file(assets):
    (assets / "statuses.yaml").unlink()
    with pytest.raises(ContentError, match="statuses.yaml: file not found"):
        load(assets)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just words\n"])
def test_file_not_a_mapping(assets, text):
    (assets / "monsters.yaml").write_text(text)
    with pytest.raises(ContentError, match="monsters.yaml: expected a mapping of named entries"):
        load(assets)


def test_a_new_monster_is_a_data_change(assets):
    with open(assets / "monsters.yaml", "a") as f:
        f.write("\nimp:\n  glyph: i\n  depth: 2\n  hp: 7\n  mp: 4\n  atk: 3\n  def: 0\n  xp: 3\n"
                "  abilities: [strike, ignite]\n  style: caster\n")
    c = load(assets)
    assert c.monsters["imp"].abilities == ("strike", "ignite")
    assert c.cooldown_slots(c.monsters["imp"].abilities) == ("ignite",)


def test_monsters_grow_with_depth_and_stay_inside_the_template():
    c = default()
    floors = c.descent.floors
    for m in c.monsters.values():
        first, last = m.at(m.depth), m.at(floors)
        assert first == {"hp": m.hp, "mp": m.mp, "atk": m.atk, "def": m.defence}, m.name
        assert last["hp"] <= 99 and last["mp"] <= 30 and last["atk"] <= 20 and last["def"] <= 12, m.name
        if not m.boss:
            assert last["hp"] > first["hp"] and last["atk"] > first["atk"], m.name
    # a fraction adds up over floors: the skeleton gains 1 def every second floor
    skeleton = c.monsters["skeleton"]
    assert [skeleton.at(d)["def"] for d in range(3, 7)] == [3, 3, 4, 4]


def test_items_have_names_and_plurals():
    c = default()
    assert c.items["healing_potion"].called() == "a healing potion"
    assert c.items["healing_potion"].called(3) == "3 healing potions"
    assert c.items["iron_skin"].called() == "an iron skin charm"
    assert c.hero.carries == {"healing_potion": 1}


def test_the_descent_draws_group_sizes_and_kinds_ahead_floor_by_floor(tmp_path):
    from game.world import fight  # the content core knows nothing of the dungeon above it

    base = "floors: 6\ngroups: 3\ngroups_per_floor: 1\nitems: [1, 3]\n"
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "dungeon.yaml").write_text(base + "group_sizes: [[0, 1, 0], [0, 0, 1]]\nahead: 1\n")
    content = load(packs=[folder])
    assert content.descent.sizes(1) == (0, 1, 0) and content.descent.sizes(6) == (0, 0, 1)
    rng = random.Random(1)
    first = [fight.kinds(1, rng, content) for _ in range(20)]
    assert all(len(g) == 2 for g in first)
    ahead = {m.name for m in content.monsters.values() if m.depth == 2}
    assert all(set(g) <= ahead for g in first)  # ahead 1: every monster from the floor below
    assert all(len(g) == 3 for g in (fight.kinds(5, rng, content) for _ in range(20)))
    for bad in ("group_sizes: [[1, 2]]\n", "group_sizes: [[0, 0, 0]]\n", "ahead: 2\n", "ahead: yes\n"):
        (folder / "dungeon.yaml").write_text(base + bad)
        with pytest.raises(ContentError, match="group_sizes|ahead"):
            load(packs=[folder])
