"""Shared hypothesis strategies: random valid encounters, legal actions, dice.

Test files import them with `from conftest import ...` (pytest puts tests/ on
the path). Every state drawn here is one the template admits: 1-3 monsters,
statuses in content order, cooldown slots for the kind's abilities, the dead
without statuses, every number inside its documented range.
"""

from __future__ import annotations

import os

# before anything loads numpy: the numpy runtime's small matrices run on one
# OpenBLAS thread, as the command line runs them (see model/__init__.py)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# a command run without --saves writes to the player's data folder: in tests,
# a throwaway one (every subprocess inherits it), never the tester's own runs
os.environ["PICO_ROGUE_SAVES"] = __import__("tempfile").mkdtemp(prefix="pico-saves-")

import pytest  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from game.combat.content import default
from game.combat.encounter import (
    HERO,
    HERO_KIND,
    MAX_ATK,
    MAX_DEF,
    MAX_MP,
    MAX_STAT,
    MAX_TURN,
    MAX_TURNS,
    MONSTER_LABELS,
    RESULTS,
    Action,
    Combatant,
    Encounter,
    Outcome,
    Rolls,
    Status,
)
from game.combat.rules import legal_actions

CONTENT = default()

# property tests draw a quarter of their examples in a plain `pytest` (between
# edits) and all of them under `make test` (CI), which sets PICO_EXAMPLES=1
EXAMPLES = float(os.environ.get("PICO_EXAMPLES", "0.25"))


def examples(n: int) -> int:
    """`n` examples scaled for this run, never fewer than 20."""
    return max(20, round(n * EXAMPLES))


def rolls() -> st.SearchStrategy[Rolls]:
    return st.builds(Rolls, st.integers(1, 20), st.integers(1, 4))


@st.composite
def statuses(draw) -> tuple[Status, ...]:
    names = [n for n in CONTENT.status_order if draw(st.booleans())]
    return tuple(Status(n, draw(st.integers(1, MAX_TURNS)), draw(st.integers(0, MAX_TURNS))) for n in names)


@st.composite
def combatants(draw, label: str, alive: bool | None = None) -> Combatant:
    if label == HERO:
        kind, abilities = HERO_KIND, CONTENT.hero.abilities
    else:
        kind = draw(st.sampled_from(sorted(CONTENT.monsters)))
        abilities = CONTENT.monsters[kind].abilities
    max_hp = draw(st.integers(1, MAX_STAT))
    # hp 0, 1 and max are the corners the rules treat specially
    low = 1 if alive else 0
    high = 0 if alive is False else max_hp
    hp = draw(st.one_of(st.sampled_from(sorted({low, min(1, high), high})), st.integers(low, high)))
    max_mp = draw(st.integers(0, MAX_MP))
    mp = draw(st.integers(0, max_mp))
    slots = tuple((a, draw(st.integers(0, MAX_TURNS))) for a in CONTENT.cooldown_slots(abilities))
    sts = draw(statuses()) if hp > 0 else ()
    return Combatant(label, kind, hp, max_hp, mp, max_mp, draw(st.integers(0, MAX_ATK)), draw(st.integers(0, MAX_DEF)),
                     sts, slots)


@st.composite
def encounters(draw, playable: bool = False) -> Encounter:
    """Any encounter the template admits; `playable`: both sides alive and the
    actor alive, as every state the game hands the rules is."""
    count = draw(st.integers(1, len(MONSTER_LABELS)))
    hero = draw(combatants(HERO, alive=True if playable else None))
    monsters = [draw(combatants(label)) for label in MONSTER_LABELS[:count]]
    if playable and not any(m.alive for m in monsters):
        i = draw(st.integers(0, count - 1))
        monsters[i] = draw(combatants(MONSTER_LABELS[i], alive=True))
    every = (hero, *monsters)
    pool = [c.label for c in every if c.alive] if playable else [c.label for c in every]
    turn = draw(st.one_of(st.integers(1, 30), st.integers(1, MAX_TURN), st.just(MAX_TURN)))
    return Encounter(turn, draw(st.sampled_from(pool)), every)


@st.composite
def prompts(draw) -> tuple[Encounter, Action, Rolls]:
    """Anything the prompt parser accepts: the action need not be legal."""
    encounter = draw(encounters())
    labels = [c.label for c in encounter.combatants]
    action = Action(draw(st.sampled_from(sorted(CONTENT.abilities))), draw(st.sampled_from(labels)))
    return encounter, action, draw(rolls())


@st.composite
def turns(draw) -> tuple[Encounter, Action, Rolls]:
    """A playable encounter, one of the actor's legal actions, and dice."""
    encounter = draw(encounters(playable=True))
    actions = legal_actions(encounter, CONTENT)
    # every kind has strike (no cost, no cooldown) and both sides live, so
    # there is always a move
    assert actions, encounter
    return encounter, draw(st.sampled_from(actions)), draw(rolls())


@st.composite
def outcomes(draw) -> Outcome:
    return Outcome(draw(st.integers(-27, 27)), draw(st.sampled_from(RESULTS)), draw(st.integers(0, MAX_STAT)))


# The model's fixtures (a tiny trained model, one torch thread) live in
# model_fixtures.py; importing them here shares them with every test file.
from model_fixtures import few_range_samples, one_thread, tiny_model  # noqa: E402, F401

# fixtures that cost a plain `pytest` too much: a test asking for one is slow
# (`make test` runs it). tiny_model is a training run (20-30 s on two busy
# cores, most of it sampling the training distribution for the guard's ranges).
SLOW_FIXTURES = {"tiny_model"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
