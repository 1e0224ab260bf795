"""Specialists: the choice prompt, the teacher's search and labels, a
specialist trained by the real recipe, the registry and its lazy cache."""

from __future__ import annotations

import json
import random
import re

import pytest

from cli import main
from game.combat.content import default
from game.combat.encounter import HERO, Action, Encounter
from game.combat.rules import legal_actions
from game.world import autoplay, fight, search
from model import slots
from model.specialists.choice import choice_prompt
from model.specialists.registry import ENTRIES, TASKS, Decider, SpecialistError, Specialists
from model.tokenizer import Tokenizer
from model.training import teach

CONTENT = default()


def _state(hero_hp: int = 40, foe_hp: int = 12, hero_mp: int = 14) -> Encounter:
    hero = fight.hero_on(1, random.Random(1), CONTENT)[1]
    hero = hero.with_(hp=min(hero_hp, hero.max_hp), mp=min(hero_mp, hero.max_mp))
    e = fight.encounter(hero, ["goblin"], 1, CONTENT)
    foe = e.get("m1")
    return e.replacing(foe.with_(hp=min(foe_hp, foe.max_hp), max_hp=max(foe.max_hp, foe_hp)))


def test_the_choice_prompt_binds_the_actors_abilities_in_its_own_order():
    e = _state()
    cp = choice_prompt(e, legal_actions(e, CONTENT), CONTENT)
    rules = [line.split()[1] for line in cp.text.splitlines() if line.startswith("rule ")]
    assert rules == [f"a{n}" for n in range(1, len(CONTENT.hero.abilities) + 1)]
    tok = Tokenizer(slots.words())
    assert tok.unk not in tok.encode(cp.text)  # every word is the fixed vocabulary's: names are slots
    assert "poison_strike" not in cp.text and "goblin" not in cp.text
    for a in cp.actions:
        assert cp.action(cp.target(a)) == a


def test_the_grammar_lets_through_only_usable_actions():
    e = _state(hero_mp=0)  # no mp: the spells are out
    usable = legal_actions(e, CONTENT)
    cp = choice_prompt(e, usable, CONTENT)
    tok = Tokenizer(slots.words())
    g = cp.grammar(tok)
    first = next(g)
    allowed = {tok.vocab[i] for i in first}
    assert allowed == {cp.binding.abilities[a.ability] for a in usable}
    costly = [n for n in CONTENT.hero.abilities if CONTENT.abilities[n].cost > 0]
    assert costly and not {cp.binding.abilities[n] for n in costly} & allowed
    strike = cp.binding.abilities["strike"]
    assert {tok.vocab[i] for i in g.send(tok.index[strike])} == {"m1"}


def test_the_search_heals_a_dying_hero_and_finishes_a_dying_monster():
    dying = _state(hero_hp=3, foe_hp=30)
    healed = search.best(dying, {"healing_potion": 1}, CONTENT, rollouts=24)
    assert CONTENT.abilities[healed.action.ability].heal > 0 or \
        (CONTENT.abilities[healed.action.ability].applies or None) is not None, healed.values
    finishing = search.best(_state(hero_hp=40, foe_hp=1), {}, CONTENT, rollouts=8)
    assert CONTENT.abilities[finishing.action.ability].attacks
    assert finishing.value > 1.0  # a won fight, and hp kept


def test_a_monsters_search_is_its_own_side():
    e = _state()
    e = Encounter(e.turn, "m1", e.combatants)
    choice = search.best(e, {}, CONTENT, rollouts=4)
    assert choice.action in legal_actions(e, CONTENT)
    assert all(-search.HP <= v <= 1.0 for _, v in choice.values)  # 1 less the hero's worth


@pytest.mark.slow  # whole runs with the search, or a specialist trained
def test_labels_resume_and_drop_a_run_cut_off(tmp_path):
    path = tmp_path / "advice.labels.jsonl"
    seeds = [11]
    first = teach.label("advice", path, seeds, quiet=True)
    assert first and all(t.split()[0].startswith("a") for _, t in first)
    size = path.stat().st_size
    again = teach.label("advice", path, seeds, quiet=True)
    assert again == first and path.stat().st_size == size  # nothing labelled twice
    with path.open("a") as f:  # a run killed midway: labels with no `done`, a torn line
        f.write(json.dumps({"run": 12, "prompt": "x", "target": "a1 m1"}) + "\n{\"run\": 1")
    labels, done = teach.read_labels(path)
    assert done == {11} and all(r["run"] == 11 for r in labels)


def test_a_decision_not_searched_keeps_the_plan_and_a_soft_label_follows_the_values():
    unsearched = {"run": 1, "prompt": "p", "target": "a1 m1", "plan": "a1 m1"}
    assert teach.pairs(unsearched, 0.04, 3) == [("p", "a1 m1")]
    assert teach.pairs(unsearched, 0.04, 3, soft=0.03) == [("p", "a1 m1")]
    row = {"run": 1, "prompt": "p", "target": "a4 hero", "plan": "a1 m1",
           "values": {"a4 hero": 0.9, "a1 m1": 0.7, "a2 m1": 0.2}}
    soft = [t for _, t in teach.pairs(row, 0.0, 3, soft=0.05)]
    assert len(soft) == teach.SHARES and soft.count("a4 hero") > soft.count("a1 m1") >= 0
    assert "a2 m1" not in soft  # half a fight worse: no share
    tie = row | {"values": {"a4 hero": 0.71, "a1 m1": 0.7, "a2 m1": 0.2}}
    raised = [t for _, t in teach.pairs(tie, 0.04, 3, soft=0.05)]
    assert raised.count("a1 m1") > raised.count("a4 hero")  # within `near`: the plan is raised over it


@pytest.mark.slow  # a whole run with the search asked
def test_with_asks_the_careful_hero_plays_and_the_search_is_asked_where_the_plan_is_in_question():
    seed = autoplay.seeds(5, 1)[0]
    rows = teach.label_run("advice", seed, CONTENT, rollouts=2, asks=0.6)
    searched = [r for r in rows if "values" in r]
    assert searched and len(searched) < len(rows)
    assert all(r["target"] == r["plan"] for r in rows if "values" not in r)
    for r in searched:  # a heal, a potion or a guard planned, or the hero under 60 % of its hp
        hp, top = (int(x) for x in re.search(r"\nhero \w+ hp (\d+)/(\d+)", r["prompt"]).groups())
        planned = CONTENT.abilities[CONTENT.hero.abilities[int(r["plan"].split()[0][1:]) - 1]]
        assert hp < 0.6 * top or not planned.attacks, r["prompt"]


@pytest.fixture(scope="module")
def tiny_advisor(tmp_path_factory):
    """An advisor trained by the real recipe, cut to a few steps and one run."""
    out = tmp_path_factory.mktemp("advisor") / "advisor.safetensors"
    assert main(["train", "--task", "advice", "--out", str(out), "--quiet",
                 "--set", "steps=4", "teacher_runs=1", "eval_every=2", "batch=8"]) == 0
    return out


@pytest.mark.slow  # whole runs with the search, or a specialist trained
def test_train_task_advice_writes_a_specialist_with_its_card(tiny_advisor, capsys):
    d = Decider(TASKS["advice"], tiny_advisor)
    assert d.weights.meta["task"] == "advice" and d.weights.meta["teacher"]["labels"] > 0
    e = _state(hero_mp=0)
    usable = legal_actions(e, CONTENT)
    for _ in range(3):
        assert d.choose(e, usable, CONTENT) in usable  # weak after 4 steps, never illegal
    labels = tiny_advisor.with_name("advisor.labels.jsonl")
    assert labels.exists()  # kept: a second run resumes from it


@pytest.mark.slow  # whole runs with the search, or a specialist trained
def test_a_tactician_file_is_not_an_advisor(tiny_advisor):
    with pytest.raises(SpecialistError, match="advice model, not a tactics"):
        Decider(TASKS["tactics"], tiny_advisor)


@pytest.mark.slow  # whole runs with the search, or a specialist trained
def test_specialists_load_when_asked_and_the_cache_is_bounded(tiny_advisor):
    s = Specialists(capacity=1, paths={"advice": tiny_advisor, "tactics": tiny_advisor})
    assert s.loaded == []  # nothing at start
    e = _state()
    s.choose("advice", e, legal_actions(e, CONTENT), CONTENT)
    assert s.loaded == ["advice"]
    with pytest.raises(SpecialistError):
        s.get("tactics")  # that file is an advisor: refused, and the advisor stays
    assert s.loaded == ["advice"]


def test_a_missing_specialist_is_said(tmp_path):
    s = Specialists(paths={"advice": tmp_path / "none.safetensors"})
    with pytest.raises(Exception, match="none.safetensors"):
        s.get("advice")


def test_specialists_lists_the_registry_without_loading(capsys):
    assert main(["specialists", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [e.name for e in ENTRIES]
    for r in rows:
        assert {"name", "task", "file", "bytes", "params", "loaded", "strength"} <= set(r)
        assert r["loaded"] is False
    pico = rows[0]
    assert pico["task"] == "resolve" and pico["bytes"] > 0 and pico["params"] > 0


@pytest.mark.slow  # whole runs with the search, or a specialist trained
def test_the_advisor_policy_plays_runs(tiny_advisor):
    from game.world.deciders import advice
    from game.world.model_side import ModelSide
    from game.world.selfplay import runs

    s = Specialists(paths={"advice": tiny_advisor})
    asked = []

    class Counting:
        def choose(self, task, encounter, actions, content, plan=None, spent=0):
            asked.append(task)
            assert plan in actions  # the careful hero's plan, shown to the advisor
            return s.choose(task, encounter, actions, content, plan, spent)

    results = runs(1, 3, ModelSide(None, "unavailable"), policy="advisor", deciders=Counting(), monsters="scripted")
    assert results[0].turns > 0 and asked and set(asked) == {"advice"}
    assert advice  # the game's side of it


def test_the_bundled_advisor_advises_otherwise_once_a_battle_and_the_same_when_asked_again():
    from game.world.deciders import advice, finisher
    from game.world.tactics import careful_action

    s = Specialists()
    assert s.get("advice").deviations == 1  # its card says so (registry.DEVIATIONS, had it not)
    otherwise: dict[object, set[int]] = {}  # the battle itself the key: kept alive, never an id reused

    def choose(battle):
        plan = careful_action(battle.encounter, battle.potions, battle.content)
        plan = finisher(plan, search.usable(battle.encounter, battle.potions, battle.content), battle) or plan
        action = advice(s, battle)
        assert advice(s, battle) == action  # asked again in the turn: the same answer, nothing more spent
        if action != plan:
            otherwise.setdefault(battle, set()).add(battle.encounter.turn)
        return action

    for seed in autoplay.seeds(5, 3):
        autoplay.play_run(seed, "advisor", chooser=choose)
    assert otherwise  # it does advise otherwise...
    assert all(len(turns) == 1 for turns in otherwise.values())  # ...once a battle at most


def test_a_blow_that_kills_is_advised_without_asking():
    """A play-tester saw the advisor keep the careful plan's ignite on a
    5 hp bat that a strike kills (the script weighs the burn's ticks):
    where a blow on the plan's target kills it at its least damage, that
    blow is the advice and the advisor is not asked (nor its change spent)."""
    from game.world import roster
    from game.world.battle import Battle
    from game.world.deciders import advice, kills
    from game.world.tactics import careful_action

    class Asked:  # the game's side of advice is tested here: whether the specialist is asked at all
        def __init__(self):
            self.asked = 0

        def choose(self, task, encounter, actions, content, plan=None, spent=0):
            self.asked += 1
            return next(a for a in actions if a != plan)

    battle = Battle(roster.encounter(roster.hero_at(1), ["bat"]), seed=1)
    bat, strike = battle.encounter.get("m1"), battle.content.abilities["strike"]
    least = fight.damage_range(strike, battle.encounter.hero, bat)[0]
    battle.encounter = battle.encounter.replacing(bat.with_(hp=least))
    plan = careful_action(battle.encounter, battle.potions, battle.content)
    assert plan.ability == "ignite" and not kills(plan, battle)  # the script's pick: the burn's ticks weigh
    asked = Asked()
    assert advice(asked, battle) == Action("strike", "m1") and asked.asked == 0 and not battle.advised
    battle.encounter = battle.encounter.replacing(bat.with_(hp=least + 1))  # a strike may leave it standing
    assert advice(asked, battle) != careful_action(battle.encounter, battle.potions, battle.content)
    assert asked.asked == 1 and battle.advised


@pytest.mark.slow  # whole runs with the search, or a specialist trained
def test_learned_monsters_ask_the_tactician_only_when_told(tiny_advisor):
    from game.world.model_side import ModelSide
    from game.world.selfplay import runs

    asked = []

    class Scripted:
        def choose(self, task, encounter, actions, content):
            asked.append((task, encounter.actor))
            return actions[0]

    runs(1, 3, ModelSide(None, "unavailable"), deciders=Scripted(), monsters="learned")
    assert asked and all(task == "tactics" and actor != HERO for task, actor in asked)
    kinds = []

    class Kinds(Scripted):
        def choose(self, task, encounter, actions, content):
            kinds.append(encounter.get(encounter.actor).kind)
            return actions[0]

    for seed in range(4):
        runs(1, seed, ModelSide(None, "unavailable"), deciders=Kinds(), monsters="content")
    learned = {m.name for m in CONTENT.monsters.values() if m.style == "learned"}
    assert learned and set(kinds) <= learned  # only the monsters the content gives to the tactician


def test_a_learned_monster_without_its_tactician_fights_as_a_brute():
    from game.world.deciders import learned_monsters

    class Missing:
        def choose(self, *args):
            raise SpecialistError("tactician: no such file")

    e = _state()
    from game.world.battle import Battle

    b = Battle(Encounter(e.turn, "m1", e.combatants), content=CONTENT)
    choose = learned_monsters(Missing(), every=True)
    assert choose(b) is None and choose.failed == ["tactician: no such file"]
    assert choose(b) is None  # given up once, not asked again every turn
    b.tactician = choose
    b.play_monster()  # the monster's style plays it


def test_bench_times_only_decisions_the_network_makes():
    """A rat or a bat has one action (strike the hero): answered without the
    network, so not a decision's time (they once made the median 0 ms)."""
    from game.combat.template import parse_prompt
    from game.world import generate
    from model.evaluation.bench import bench_specialists

    records = list(generate.transitions(300, 5))
    state = {r["prompt"]: parse_prompt(r["prompt"]).encounter for r in records}
    one = [r for r in records if state[r["prompt"]].actor != HERO
           and state[r["prompt"]].get(state[r["prompt"]].actor).kind in ("rat", "bat")]
    assert one
    assert bench_specialists(one, loads=1)["tactics"]["decisions"] == 0
    timed = bench_specialists(records, loads=1)["tactics"]
    assert timed["decisions"] > 0 and timed["p50_ms"] > 0


def test_an_advisors_card_may_lift_the_limit_or_set_another(tmp_path):
    from safetensors.numpy import load_file

    from model import weights

    bundled = TASKS["advice"].file
    meta, tensors = dict(weights.read(bundled).meta), load_file(bundled)
    for said, held in ((None, None), (3, 3), (-1, 1), ("two", 1)):  # nonsense: the registry's own limit
        weights.write(tmp_path / "advisor.safetensors", tensors, meta | {"deviations": said})
        assert Decider(TASKS["advice"], tmp_path / "advisor.safetensors").deviations == held
