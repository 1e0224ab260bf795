"""The rules engine: invariants over random states, and worked examples."""

from __future__ import annotations

import pytest
from conftest import CONTENT, examples, turns
from hypothesis import given, settings

from game.combat.encounter import END, HERO, MAX_MP, MAX_TURN, MAX_TURNS, Action, Encounter, Rolls
from game.combat.resolver import EngineResolver
from game.combat.rules import IllegalAction, check_action, legal_actions, resolve
from game.combat.template import Target, parse_prompt, serialize_prompt, serialize_target

INVARIANTS = settings(max_examples=examples(200), deadline=None)


def _side_dead(e: Encounter) -> bool:
    return not e.hero.alive or not any(m.alive for m in e.monsters)


# --- invariants --------------------------------------------------------------


@INVARIANTS
@given(turns())
def test_invariants_hold_after_every_turn(t):
    before, action, rolls = t
    outcome, after = resolve(before, action, rolls)
    assert [c.label for c in after.combatants] == [c.label for c in before.combatants]
    for b, c in zip(before.combatants, after.combatants, strict=True):
        assert (c.kind, c.max_hp, c.max_mp, c.atk, c.defence) == (b.kind, b.max_hp, b.max_mp, b.atk, b.defence)
        assert 0 <= c.hp <= c.max_hp
        assert 0 <= c.mp <= c.max_mp <= MAX_MP
        assert all(1 <= s.turns <= MAX_TURNS and 0 <= s.power <= MAX_TURNS for s in c.statuses)
        assert [s.name for s in c.statuses] == sorted((s.name for s in c.statuses), key=CONTENT.status_order.index)
        assert all(0 <= t <= MAX_TURNS for _, t in c.cooldowns)
        assert [a for a, _ in c.cooldowns] == [a for a, _ in b.cooldowns]
        if c.hp == 0:
            assert c.statuses == ()
        if not b.alive:
            assert c == b  # the dead are not touched
    assert after.turn == min(MAX_TURN, before.turn + 1)
    if _side_dead(after):
        assert after.actor == END
    else:
        assert after.actor != END and after.get(after.actor).alive
    assert outcome.result in ("hit", "crit", "miss", "heal", "buff", "stunned", "down")
    # only the actor and the action's target change
    for b, c in zip(before.combatants, after.combatants, strict=True):
        if b.label not in (before.actor, action.target):
            assert c == b


@INVARIANTS
@given(turns())
def test_same_prompt_same_target(t):
    text = serialize_prompt(*t)
    first, second = EngineResolver().resolve(text), EngineResolver().resolve(text)
    assert first.valid and first.text == second.text
    p = parse_prompt(text)
    assert serialize_target(Target.of(*resolve(p.encounter, p.action, p.rolls))) == first.text


@INVARIANTS
@given(turns())
def test_the_turn_order(t):
    before, action, rolls = t
    actor = before.get(before.actor)
    ability = CONTENT.abilities[action.ability]
    outcome, after = resolve(before, action, rolls)
    me = after.get(actor.label)

    # 1. ticks: poison and burn hurt, regen heals, by their power
    tick = sum(s.power * {"damage": -1, "heal": 1, "none": 0}[CONTENT.statuses[s.name].tick] for s in actor.statuses)
    assert outcome.tick == tick
    ticked_hp = max(0, min(actor.max_hp, actor.hp + tick))

    if ticked_hp == 0:  # 2. down: nothing else happens
        assert outcome.result == "down" and outcome.amount == 0
        assert me.hp == 0 and me.statuses == () and me.mp == actor.mp and me.cooldowns == actor.cooldowns
        return
    counted = {a: max(0, n - 1) for a, n in actor.cooldowns}
    if actor.status("stun"):  # 2. stunned: the action is lost, time passes
        assert outcome.result == "stunned" and outcome.amount == 0
        assert me.hp == ticked_hp and me.mp == actor.mp
        assert dict(me.cooldowns) == counted
        assert me.status("stun") is None or actor.status("stun").turns > 1
        others = [c for c in before.combatants if c.label != actor.label]
        assert all(after.get(c.label) == c for c in others)
        return

    # 4. cooldowns count down, the used one is set, mp is paid
    if ability.cooldown:
        counted[ability.name] = ability.cooldown
    assert dict(me.cooldowns) == counted
    assert me.mp == actor.mp - ability.cost
    # statuses lose a turn; those at 0 are gone
    for s in actor.statuses:
        kept = me.status(s.name)
        if s.name == (ability.applies.status if ability.applies and not ability.attacks else None):
            continue
        if s.turns == 1:
            assert kept is None
        else:
            assert kept is not None and kept.turns == s.turns - 1 and kept.power == s.power

    # 3. the ability
    if ability.attacks:
        victim = before.get(action.target)
        hit = after.get(action.target)
        if rolls.d20 <= 3:
            assert outcome.result == "miss" and hit == victim
            return
        raw = ability.damage + (actor.atk if ability.uses_atk else 0) + rolls.d4
        if rolls.d20 != 20 and not ability.pierce:
            raw -= victim.defence
        guard = victim.status("guard")
        raw -= guard.power if guard else 0
        assert outcome.result == ("crit" if rolls.d20 == 20 else "hit")
        assert outcome.amount == max(1, raw)
        assert hit.hp == max(0, victim.hp - outcome.amount)
        if ability.applies and hit.alive:
            a = ability.applies
            got = hit.status(a.status)
            assert (got.turns, got.power) == (a.turns, a.power)
        assert me.hp == ticked_hp
    elif ability.heal:
        assert outcome.result == "heal" and outcome.amount == ability.heal + rolls.d4
        assert me.hp == min(actor.max_hp, ticked_hp + outcome.amount)
    else:
        assert outcome.result == "buff" and outcome.amount == 0 and me.hp == ticked_hp
    if ability.applies and not ability.attacks:
        a = ability.applies
        assert (me.status(a.status).turns, me.status(a.status).power) == (a.turns, a.power)


@INVARIANTS
@given(turns())
def test_a_dead_combatant_never_acts(t):
    before, action, rolls = t
    dead = [c for c in before.combatants if not c.alive]
    for c in dead:
        state = Encounter(before.turn, c.label, before.combatants)
        assert legal_actions(state, CONTENT) == []
        with pytest.raises(IllegalAction, match="dead"):
            resolve(state, Action("strike", action.target), rolls)


@INVARIANTS
@given(turns())
def test_illegal_actions_are_refused(t):
    before, _, rolls = t
    actor = before.get(before.actor)
    for name, n in actor.cooldowns:
        ability = CONTENT.abilities[name]
        if n > 0:
            target = actor.label if ability.target == "self" else next(
                c.label for c in before.combatants if c.alive and (c.label == HERO) != (actor.label == HERO))
            with pytest.raises(IllegalAction, match="cooldown"):
                check_action(before, Action(name, target))
    with pytest.raises(IllegalAction):
        check_action(before, Action("strike", actor.label))  # never yourself
    with pytest.raises(IllegalAction, match="unknown ability"):
        check_action(before, Action("fireball", actor.label))


# --- worked examples: exact numbers for each ability ------------------------

HERO_LINE = "hero knight hp {hp}/30 mp {mp}/10 atk 4 def 1 st{st} cd poison_strike {ps} ignite {ig} heal {he} guard {gu}"


def hero(hp=30, mp=10, st="", ps=0, ig=0, he=0, gu=0) -> str:
    return HERO_LINE.format(hp=hp, mp=mp, st=st, ps=ps, ig=ig, he=he, gu=gu)


GOBLIN = "m1 goblin hp 12/12 mp 6/6 atk 4 def 1 st cd ignite 0"


def run(head: str, *lines: str) -> str:
    r = EngineResolver().resolve("\n".join([head, *lines]))
    assert r.valid, r.error
    return r.text


def block(outcome: str, clock: str, *rows: str) -> str:
    return "\n".join([outcome, clock, *rows])


def test_strike_hit():
    # 0 + atk 4 + d4 2 - def 1 = 5
    assert run("v1 turn 1 hero strike m1 roll 10 2", hero(), GOBLIN) == block(
        "tick +0 hit 5", "turn 2 next m1",
        "hero hp 30 mp 10 st cd poison_strike 0 ignite 0 heal 0 guard 0",
        "m1 hp 7 mp 6 st cd ignite 0")


def test_strike_crit_ignores_def():
    # 0 + 4 + 2 = 6, def ignored
    text = run("v1 turn 1 hero strike m1 roll 20 2", hero(), GOBLIN)
    assert text.split("\n")[::3] == ["tick +0 crit 6", "m1 hp 6 mp 6 st cd ignite 0"]


@pytest.mark.parametrize("d20", [1, 2, 3])
def test_low_rolls_miss(d20):
    assert run(f"v1 turn 1 hero poison_strike m1 roll {d20} 4", hero(), GOBLIN) == block(
        "tick +0 miss 0", "turn 2 next m1",
        "hero hp 30 mp 8 st cd poison_strike 3 ignite 0 heal 0 guard 0",  # a miss still costs mp and cooldown
        "m1 hp 12 mp 6 st cd ignite 0")


def test_four_hits():
    assert run("v1 turn 1 hero strike m1 roll 4 1", hero(), GOBLIN).startswith("tick +0 hit 4\n")


def test_poison_strike():
    # -1 + 4 + 3 - 1 = 5; poison 3 turns of 2
    assert run("v1 turn 5 hero poison_strike m1 roll 11 3", hero(), GOBLIN) == block(
        "tick +0 hit 5", "turn 6 next m1",
        "hero hp 30 mp 8 st cd poison_strike 3 ignite 0 heal 0 guard 0",
        "m1 hp 7 mp 6 st poison 3 2 cd ignite 0")


def test_ignite_pierces():
    # 2 + d4 4, no atk, def ignored; burn 2 turns of 3
    assert run("v1 turn 5 hero ignite m1 roll 9 4", hero(), GOBLIN.replace("def 1", "def 9")) == block(
        "tick +0 hit 6", "turn 6 next m1",
        "hero hp 30 mp 7 st cd poison_strike 0 ignite 2 heal 0 guard 0",
        "m1 hp 6 mp 6 st burn 2 3 cd ignite 0")


def test_heal():
    # 6 + d4 2 = 8
    assert run("v1 turn 3 hero heal hero roll 1 2", hero(hp=20), GOBLIN) == block(
        "tick +0 heal 8", "turn 4 next m1",
        "hero hp 28 mp 6 st cd poison_strike 0 ignite 0 heal 3 guard 0",
        "m1 hp 12 mp 6 st cd ignite 0")


def test_heal_is_clamped_at_max_but_reports_the_amount():
    assert run("v1 turn 3 hero heal hero roll 5 4", hero(hp=29), GOBLIN).split("\n")[:3] == [
        "tick +0 heal 10", "turn 4 next m1", "hero hp 30 mp 6 st cd poison_strike 0 ignite 0 heal 3 guard 0"]


def test_guard_then_reduces_damage():
    after_guard = run("v1 turn 1 hero guard hero roll 7 1", hero(), GOBLIN)
    assert after_guard.split("\n")[:3] == [
        "tick +0 buff 0", "turn 2 next m1", "hero hp 30 mp 10 st guard 2 3 cd poison_strike 0 ignite 0 heal 0 guard 2"]
    # goblin strike: 0 + 4 + 2 - def 1 - guard 3 = 2
    hit = run("v1 turn 2 m1 strike hero roll 10 2", hero(st=" guard 2 3", gu=2), GOBLIN)
    assert hit.split("\n")[:3] == [
        "tick +0 hit 2", "turn 3 next hero", "hero hp 28 mp 10 st guard 2 3 cd poison_strike 0 ignite 0 heal 0 guard 2"]
    # damage is at least 1 however thick the guard
    assert run("v1 turn 2 m1 strike hero roll 10 1", hero(st=" guard 2 9"), GOBLIN).startswith("tick +0 hit 1\n")


def test_bash_stuns_and_the_stunned_lose_their_turn():
    orc = "m1 orc hp 20/20 mp 4/4 atk 6 def 2 st cd bash 0"
    # -2 + 6 + 2 - 1 = 5; stun 1 turn
    bashed = run("v1 turn 8 m1 bash hero roll 12 2", hero(), orc)
    assert bashed == block(
        "tick +0 hit 5", "turn 9 next hero",
        "hero hp 25 mp 10 st stun 1 0 cd poison_strike 0 ignite 0 heal 0 guard 0",
        "m1 hp 20 mp 3 st cd bash 3")
    stunned = run("v1 turn 9 hero heal hero roll 15 4", hero(hp=25, st=" stun 1 0", ps=2, gu=1),
                  "m1 orc hp 20/20 mp 3/4 atk 6 def 2 st cd bash 3")
    assert stunned == block(
        "tick +0 stunned 0", "turn 10 next m1",
        "hero hp 25 mp 10 st cd poison_strike 1 ignite 0 heal 0 guard 0",
        "m1 hp 20 mp 3 st cd bash 3")


def test_regenerate_and_regen_tick():
    troll = "m1 troll hp 10/32 mp 8/8 atk 7 def 3 st{st} cd bash 0 regenerate {cd}"
    assert run("v1 turn 4 m1 regenerate m1 roll 2 3", hero(), troll.format(st="", cd=0)).split("\n")[::3] == [
        "tick +0 buff 0", "m1 hp 10 mp 6 st regen 3 2 cd bash 0 regenerate 4"]
    # regen heals 2 at the troll's next turn start, then has 2 turns left
    assert run("v1 turn 6 m1 strike hero roll 2 3", hero(), troll.format(st=" regen 3 2", cd=4)).split("\n")[::3] == [
        "tick +2 miss 0", "m1 hp 12 mp 8 st regen 2 2 cd bash 0 regenerate 3"]


def test_potions():
    assert run("v1 turn 2 hero quaff_heal hero roll 6 3", hero(hp=5), GOBLIN).split("\n")[:3] == [
        "tick +0 heal 13", "turn 3 next m1", "hero hp 18 mp 10 st cd poison_strike 0 ignite 0 heal 0 guard 0"]
    assert run("v1 turn 2 hero quaff_regen hero roll 6 3", hero(hp=5, st=" regen 1 1"), GOBLIN).split("\n")[:3] == [
        "tick +1 buff 0", "turn 3 next m1", "hero hp 6 mp 10 st regen 4 3 cd poison_strike 0 ignite 0 heal 0 guard 0"]


def test_poison_and_burn_tick_together_then_expire():
    text = run("v1 turn 30 hero strike m1 roll 10 1", hero(hp=20, st=" poison 1 2 burn 2 3"), GOBLIN)
    assert text.split("\n")[:3] == [
        "tick -5 hit 4", "turn 31 next m1", "hero hp 15 mp 10 st burn 1 3 cd poison_strike 0 ignite 0 heal 0 guard 0"]


def test_the_tick_can_kill_the_actor():
    text = run("v1 turn 30 hero strike m1 roll 10 1", hero(hp=3, st=" poison 2 2 burn 2 3", ps=2), GOBLIN)
    assert text == block(
        "tick -5 down 0", "turn 31 next end",
        "hero hp 0 mp 10 st cd poison_strike 2 ignite 0 heal 0 guard 0",
        "m1 hp 12 mp 6 st cd ignite 0")


def test_a_kill_clears_statuses_and_skips_the_dead():
    two = [GOBLIN.replace("hp 12/12", "hp 2/12").replace("st cd", "st burn 2 3 cd"),
           "m2 rat hp 6/6 mp 0/0 atk 2 def 0 st cd"]
    text = run("v1 turn 7 hero strike m1 roll 10 1", hero(), *two)
    assert text.split("\n")[1] == "turn 8 next m2"
    assert text.split("\n")[3] == "m1 hp 0 mp 6 st cd ignite 0"
    # the next after m2 skips dead m1 and m3
    three = [two[0].replace("hp 2/12 mp 6/6 atk 4 def 1 st burn 2 3", "hp 0/12 mp 6/6 atk 4 def 1 st"), two[1],
             "m3 bat hp 0/5 mp 0/0 atk 3 def 0 st cd"]
    assert run("v1 turn 9 m2 strike hero roll 10 1", hero(), *three).split("\n")[1] == "turn 10 next hero"


def test_last_kill_ends_the_encounter():
    text = run("v1 turn 7 hero strike m1 roll 10 1", hero(), GOBLIN.replace("hp 12/12", "hp 1/12"))
    assert text.split("\n")[1] == "turn 8 next end"


def test_turn_counter_saturates():
    assert run("v1 turn 999 hero strike m1 roll 10 1", hero(), GOBLIN).split("\n")[1] == "turn 999 next m1"
    assert run("v1 turn 998 hero strike m1 roll 10 1", hero(), GOBLIN).split("\n")[1] == "turn 999 next m1"


@pytest.mark.parametrize("head,lines,why", [
    ("v1 turn 1 hero heal hero roll 5 1", [hero(mp=3), GOBLIN], "costs 4 mp"),
    ("v1 turn 1 hero ignite m1 roll 5 1", [hero(ig=1), GOBLIN], "cooldown"),
    ("v1 turn 1 hero heal m1 roll 5 1", [hero(), GOBLIN], "targets its user"),
    ("v1 turn 1 m1 strike m1 roll 5 1", [hero(), GOBLIN], "enemy"),
    ("v1 turn 1 m1 bash hero roll 5 1", [hero(), GOBLIN], "no bash slot"),
    ("v1 turn 1 hero strike m1 roll 5 1", [hero(), GOBLIN.replace("hp 12/12", "hp 0/12")], "already dead"),
    ("v1 turn 1 m1 strike hero roll 5 1", [hero(), GOBLIN.replace("hp 12/12", "hp 0/12")], "dead and cannot act"),
])
def test_illegal_examples_are_refused_with_a_reason(head, lines, why):
    r = EngineResolver().resolve("\n".join([head, *lines]))
    assert r.refused and not r.valid and why in r.error


def test_rolls_are_the_only_randomness():
    p = parse_prompt("\n".join(["v1 turn 1 hero strike m1 roll 10 1", hero(), GOBLIN]))
    amounts = {d4: resolve(p.encounter, p.action, Rolls(10, d4))[0].amount for d4 in range(1, 5)}
    assert amounts == {1: 4, 2: 5, 3: 6, 4: 7}


# --- the work v3 writes: each step of the arithmetic above ------------------------


def work(head: str, *lines: str) -> list[str]:
    """The work lines of the v3 target for a prompt (the head given in v1 words)."""
    text = run(head.replace("v1 ", "v3 ", 1), *lines)
    return text[: text.index("tick ")].rstrip("\n").split("\n")


def test_work_of_a_hit_lists_each_term_with_its_running_total():
    assert work("v1 turn 1 hero strike m1 roll 10 2", hero(), GOBLIN) == [
        "damage atk +4 roll +2 = +6 def -1 = +5", "m1 hp 12/12 -5 = 7", "alive hero m1"]


def test_work_of_a_crit_and_of_a_pierce_leaves_def_out():
    assert work("v1 turn 1 hero strike m1 roll 20 2", hero(), GOBLIN)[0] == "damage atk +4 roll +2 = +6"
    assert work("v1 turn 5 hero ignite m1 roll 9 4", hero(), GOBLIN.replace("def 1", "def 9"))[0] == \
        "damage base +2 roll +4 = +6"


def test_work_of_a_weak_blow_goes_below_one_and_deals_one():
    lines = work("v1 turn 2 m1 strike hero roll 10 1", hero(st=" guard 2 9"), GOBLIN)
    assert lines[:2] == ["damage atk +4 roll +1 = +5 def -1 = +4 guard -9 = -5", "hero hp 30/30 -1 = 29"]


def test_work_of_ticks_then_a_kill_and_who_is_left():
    lines = work("v1 turn 30 hero strike m1 roll 10 1", hero(hp=20, st=" poison 1 2 burn 2 3 regen 1 1"),
                 GOBLIN.replace("hp 12/12", "hp 4/12"))
    assert lines == ["ticks poison -2 burn -3 = -5 regen +1 = -4", "hero hp 20/30 -4 = 16",
                     "damage atk +4 roll +1 = +5 def -1 = +4", "m1 hp 4/12 -4 = 0", "alive hero"]


def test_work_of_a_heal_clamps_at_max_and_a_miss_has_none():
    assert work("v1 turn 3 hero heal hero roll 5 4", hero(hp=29), GOBLIN) == [
        "healing base +6 roll +4 = +10", "hero hp 29/30 +10 = 39 max 30", "alive hero m1"]
    assert work("v1 turn 1 hero strike m1 roll 2 3", hero(), GOBLIN) == ["alive hero m1"]


def test_work_of_a_tick_that_kills_the_actor():
    assert work("v1 turn 30 hero strike m1 roll 10 1", hero(hp=3, st=" poison 2 2 burn 2 3", ps=2), GOBLIN) == [
        "ticks poison -2 burn -3 = -5", "hero hp 3/30 -5 = 0", "alive m1"]
