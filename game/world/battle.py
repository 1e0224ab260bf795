"""One battle: the rules engine and the model resolve every turn side by side.

A turn is three steps, so a screen can run the slow one off its own thread:

- `Battle.prepare` (the game's thread): the action, the dice, the prompt;
  nothing in the battle changes yet;
- `answer` (anywhere, pure): the engine (ground truth) and the model (any
  `Resolver`: the pico model, or anything a test passes in) each give a next
  state; they are compared field by field and one is chosen: the engine's,
  or the model's when the player trusts the model and its answer is usable;
- `Battle.apply` (the game's thread): the chosen state becomes the battle's,
  with the turn's words for the message log.

`Battle.play` does all three in a row. Nothing here draws to a screen.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from game.combat.content import Content, default
from game.combat.describe import ability_words
from game.combat.dice import roll
from game.combat.divergence import text_divergences
from game.combat.encounter import END, HERO, MAX_TURN, Action, Combatant, Encounter, Rolls
from game.combat.narration import differences, narrate, unusable_words, verdict
from game.combat.narration import name as named
from game.combat.resolver import EngineResolver, Resolution, Resolver
from game.combat.rules import IllegalAction, check_action
from game.combat.template import VERSION as TEMPLATE_VERSION
from game.combat.template import Target, TemplateError, parse_target, serialize_prompt
from game.records.battle import (
    BATTLE_KIND,
    BATTLE_VERSION,
    Agreement,
    BattleRecord,
    BattleStateRecord,
    BattleTurnRecord,
    Flight,
    TurnRecord,
    agreement_words,
    content_record,
)
from game.records.fields import written
from game.records.rng import rng_from, rng_state
from game.world import fight
from game.world.tactics import monster_action

ENGINE, MODEL = "engine", "model"

# The stakes of trusting the model, in score (never in power: trusting must
# not make the hero stronger, only bet on the model). A trusted turn the
# model got right earns TRUST_RIGHT, one it got right while close to wrong
# (less than CLOSE sure: its margin) TRUST_CLOSE more; a trusted turn it got
# wrong costs TRUST_WRONG, and its state stands. Break-even is a model right
# on ~91 % of turns: the bundled one (99.9 % on its content) is a good bet, a
# model on a pack it was not trained for (eval --pack) may be a bad one.
TRUST_RIGHT, TRUST_CLOSE, TRUST_WRONG = 1, 4, 10
CLOSE = 0.9


@dataclass(frozen=True)
class Turn:
    """One resolved turn, as the screen shows it and the save records it."""

    actor: str
    action: Action
    prompt: str
    engine: str
    model: str | None
    model_valid: bool
    model_error: str | None
    applied: str  # ENGINE or MODEL
    divergences: tuple[str, ...]
    trusted: bool  # was the player trusting the model on this turn
    fallback: str | None = None  # why a trusted model's answer was not used
    lines: tuple[str, ...] = ()
    asked_model: bool = True  # False when no model was there to ask
    sure: float | None = None  # the model's margin on its answer (Resolution.sure)

    @property
    def close(self) -> bool:
        """The model answered right but was close to wrong: under CLOSE sure."""
        return self.agreed and self.sure is not None and self.sure < CLOSE

    @property
    def stake(self) -> int:
        """What this turn won or lost for trusting the model (0 unless trusted and applied)."""
        if not (self.trusted and self.applied == MODEL):
            return 0
        if self.divergences:
            return -TRUST_WRONG
        return TRUST_RIGHT + (TRUST_CLOSE if self.close else 0)

    @property
    def agreed(self) -> bool:
        return self.asked_model and self.model_valid and not self.divergences

    @property
    def diverged(self) -> bool:
        """The model answered and its answer was not the rules' (unusable included)."""
        return self.asked_model and bool(self.divergences)

    @property
    def changed_the_run(self) -> bool:
        """A model mistake the game went on from: the model's differing state was applied."""
        return self.applied == MODEL and bool(self.divergences)

    def _saved(self) -> dict:
        """The turn's fields as a saved turn (TurnRecord) names them."""
        return dict(prompt=self.prompt, engine=self.engine, model=self.model, model_valid=self.model_valid,
                    model_error=self.model_error, asked_model=self.asked_model, applied=self.applied,
                    divergences=list(self.divergences), trusted=self.trusted, fallback=self.fallback,
                    narration=list(self.lines))

    def record(self) -> dict:
        """The turn in a battle save."""
        return written(TurnRecord, **self._saved())

    def state(self) -> dict:
        """The turn in a suspended run's battle: who acted and how, besides."""
        return written(BattleTurnRecord, **self._saved(), actor=self.actor,
                       action=[self.action.ability, self.action.target])

    @classmethod
    def from_state(cls, t: dict) -> Turn:
        """The turn `state` wrote (checked by the run's schema)."""
        return cls(t["actor"], Action(*t["action"]), t["prompt"], t["engine"], t["model"], t["model_valid"],
                   t["model_error"], t["applied"], tuple(t["divergences"]), t["trusted"], t["fallback"],
                   tuple(t["narration"]), t["asked_model"])


@dataclass(frozen=True)
class Option:
    """An action on the hero's numbered keys; `why` says why it is greyed."""

    key: str
    ability: str
    action: Action
    why: str | None
    describe: str  # the content's words for it ("sets the foe alight, ignoring armour")
    effect: str = ""  # its numbers, short, against the target ("3-6 +brn 2/3": describe.ability_words)

    @property
    def ready(self) -> bool:
        return self.why is None


@dataclass
class Tally:
    """Agreement of model and rules over the turns the model answered, and
    the model's mistakes that changed the run (its differing state applied)."""

    agreed: int = 0
    asked: int = 0
    changed: int = 0

    def add(self, turn: Turn) -> None:
        if turn.asked_model:
            self.asked += 1
            self.agreed += turn.agreed
            self.changed += turn.changed_the_run

    def merge(self, other: Tally) -> None:
        self.agreed += other.agreed
        self.asked += other.asked
        self.changed += other.changed

    def __str__(self) -> str:
        return agreement_words(self.agreed, self.asked)


def unusable(resolution: Resolution, before: Encounter, content: Content) -> tuple[str | None, Target | None, Encounter | None]:
    """Why the model's answer cannot be continued from (None if it can), and
    the state it describes when it can."""
    if resolution.text is None:
        return f"it refused the prompt: {resolution.error}", None, None
    try:
        target = parse_target(resolution.text, content)
        after = target.apply(before)
    except TemplateError as exc:
        return f"it did not parse: {exc}", None, None
    hero_up = after.hero.alive
    monsters_up = any(m.alive for m in after.monsters)
    if after.over and hero_up and monsters_up:
        return "it ended the fight with both sides standing", None, None
    if not after.over and not (hero_up and monsters_up):
        return "it went on with one side dead", None, None
    if not after.over and not after.get(after.actor).alive:
        return f"it gave the next turn to {after.actor}, who is dead", None, None
    return None, target, after


@dataclass(frozen=True)
class Prepared:
    """A turn about to be resolved: the state, the action, the dice and the
    prompt that holds them all; and the dice generator's state once they are
    drawn, which the battle takes on when the turn is applied."""

    before: Encounter
    action: Action
    rolls: Rolls
    prompt: str
    trust: bool
    rng_after: tuple


@dataclass(frozen=True)
class Answered:
    """Both answers to a prepared turn, compared, and the state chosen."""

    prepared: Prepared
    engine: str
    said: Resolution
    asked: bool
    divergences: tuple[str, ...]
    words: tuple[str, ...]  # the divergences in words, for the log and the screen
    applied: str
    fallback: str | None
    target: Target
    after: Encounter


def answer(prepared: Prepared, engine: Resolver, model: Resolver | None, content: Content | None = None) -> Answered:
    """Ask the engine and the model for the next state, compare, choose.

    Pure: it reads the prepared turn and changes nothing, so it may run on a
    worker thread while the screen draws the battle."""
    content = content or default()
    before, prompt = prepared.before, prepared.prompt
    ruled = engine.resolve(prompt)
    if ruled.text is None:  # the rules refuse only what check_action refuses
        raise IllegalAction(ruled.error or "the rules refused the prompt")
    rules_target = parse_target(ruled.text, content)
    target, after = rules_target, rules_target.apply(before)

    asked = model is not None
    words: tuple[str, ...] = ()
    if asked:
        try:
            said = model.resolve(prompt)
        except Exception as exc:  # noqa: BLE001 - a broken model must not end the game
            said = Resolution(None, False, f"the model failed: {type(exc).__name__}: {exc}")
        diverged = tuple(text_divergences(ruled.text, said.text)) if said.valid else ("unparsed",)
        if diverged == ("unparsed",):
            words = (unusable_words(said.text, said.error),)
        elif diverged:
            words = tuple(differences(before, rules_target, parse_target(said.text, content), content))
    else:
        said = Resolution(None, False, "no model loaded")
        diverged = ()

    applied, fallback = ENGINE, None
    if prepared.trust:
        if not asked:
            fallback = "no model is loaded"
        else:
            fallback, model_target, model_after = unusable(said, before, content)
            if fallback is None:
                applied, target, after = MODEL, model_target, model_after
    return Answered(prepared, ruled.text, said, asked, diverged, words, applied, fallback, target, after)


class Battle:
    """A fight of the hero against 1-3 monsters, turn by turn."""

    def __init__(self, encounter: Encounter, *, model: Resolver | None = None, engine: Resolver | None = None,
                 seed: int = 0, potions: dict[str, int] | None = None, content: Content | None = None):
        self.content = content or default()
        self.start = encounter
        self.encounter = encounter
        self.engine = engine or EngineResolver(self.content)
        self.model = model
        self.seed = seed
        self.rng = random.Random(seed)
        self.potions = dict(potions or {})
        self.turns: list[Turn] = []
        self.tally = Tally()
        self.fled = False
        self.flights: list[tuple[int, bool]] = []  # (encounter turn, got away) for each try to flee
        self.parting: str | None = None  # the monster whose parting blow a successful flight waits on
        # chooses a monster's action instead of its style (a learned tactician); None: its style decides
        self.tactician: Callable[[Battle], Action | None] | None = None
        self.advised: set[int] = set()  # the turns the advisor advised otherwise than the careful plan (deciders.advice)

    # --- what the screen asks --------------------------------------------

    @property
    def over(self) -> bool:
        return self.encounter.over or self.fled

    @property
    def won(self) -> bool:
        return self.encounter.over and self.encounter.hero.alive

    @property
    def result(self) -> str:
        """How it ended, in the words the saves use: won, lost, fled or unfinished."""
        return "unfinished" if not self.over else "won" if self.won else "fled" if self.fled else "lost"

    @property
    def hero_to_act(self) -> bool:
        return self.encounter.actor == HERO

    def living_monsters(self) -> list[Combatant]:
        return [m for m in self.encounter.monsters if m.alive]

    def options(self, target: str | None = None) -> list[Option]:
        """The hero's abilities on keys 1..n, each ready or greyed with why."""
        target = target or next((m.label for m in self.living_monsters()), "m1")
        hero, foe = self.encounter.hero, self.encounter.get(target)
        out = []
        for n, name in enumerate(self.content.hero.abilities, 1):
            ability = self.content.abilities[name]
            action = Action(name, HERO if ability.target == "self" else target)
            effect = ability_words(name, self.content, user=hero, target=foe, short=True)
            out.append(Option(str(n), name, action, self.why_not(action) or self.wasted(action), ability.describe,
                              effect))
        return out

    def flee_odds(self) -> fight.FleeOdds:
        """What the flee key would bring now (its label says it)."""
        return fight.flee_odds(self.encounter, self.content)

    def wasted(self, action: Action) -> str | None:
        """Why the hero is spared an action the rules allow but that would do
        nothing, else None: healing at full health (outside battle the same
        potion is refused: Run.drink). Only the player's options are greyed
        by it; `prepare` still takes what the rules allow, so the scripted
        heroes (autoplay, selfplay, training data) play as they always have."""
        ability = self.content.abilities.get(action.ability)
        hero = self.encounter.hero
        if ability is not None and ability.heal and not ability.applies and hero.alive and hero.hp >= hero.max_hp:
            return "at full health"
        return None

    def why_not(self, action: Action, playing: Action | None = None, ticking: bool = False) -> str | None:
        """None if the hero may take `action` on its turn (this one, or the
        next while others act), else the reason. For the next turn while
        one of the hero's plays (a key typed ahead, BattleScreen.queue):
        `ticking`, a turn of the hero's is in flight (its own or a stunned
        one), which counts its cooldowns down; `playing`, its own action in
        flight, which also pays its mp and sets its cooldown."""
        if self.over:
            return "the battle is over"
        hero, ability = self.encounter.hero, self.content.abilities.get(action.ability)
        if ticking:
            hero = hero.with_(cooldowns=tuple((a, max(0, t - 1)) for a, t in hero.cooldowns))
        if playing is not None:
            used = self.content.abilities[playing.ability]
            hero = hero.with_(mp=hero.mp - used.cost, cooldowns=tuple(
                (a, used.cooldown if a == used.name else t) for a, t in hero.cooldowns))
        # in the player's words and short (the action list is half an 80-column screen)
        wait = hero.cooldown(action.ability) if hero.alive else 0
        if wait > 0:
            return f"ready in {wait} turn{'s' if wait > 1 else ''}"
        if ability is not None and hero.alive and hero.mp < ability.cost:
            return f"needs {ability.cost} mp"
        # as on the hero's turn, whoever acts now
        mine = replace(self.encounter, actor=HERO).replacing(hero)
        try:
            check_action(mine, action, self.content)
        except IllegalAction as exc:
            return str(exc).replace(f"{HERO} has", "you have")
        item = self.content.abilities[action.ability].item
        if item and self.potions.get(item, 0) <= 0:
            return f"no {item.replace('_', ' ')} left"
        return None

    def monster_choice(self) -> Action:
        return monster_action(self.encounter, self.rng, self.content)

    @property
    def stunned(self) -> bool:
        """The hero's turn, and the hero is stunned: it passes whatever is chosen."""
        return not self.over and self.hero_to_act and self.encounter.hero.status("stun") is not None

    def passing_action(self) -> Action:
        """What a stunned hero's turn is written with (the rules void it)."""
        return Action("strike", self.living_monsters()[0].label)

    def stakes(self) -> int:
        """What trusting the model won or lost in this battle, in score."""
        return sum(t.stake for t in self.turns)

    # --- one turn: prepare, answer, apply --------------------------------------

    def prepare(self, action: Action | None = None, trust: bool = False) -> Prepared:
        """The turn about to be resolved: whoever's turn it is takes `action`
        (a monster chooses its own when None). Rolls the dice on a copy: the
        battle changes only when the turn is applied."""
        before = self.encounter
        if before.over:
            raise IllegalAction("the battle is over")
        rng = random.Random()
        rng.setstate(self.rng.getstate())
        if action is None:
            action = self.parting_blow() or (self.tactician and self.tactician(self)) or \
                monster_action(before, rng, self.content)
        reason = self.why_not(action) if before.actor == HERO else None
        if reason:
            raise IllegalAction(f"{action.ability.replace('_', ' ')}: {reason}")
        check_action(before, action, self.content)
        rolls = roll(rng)
        return Prepared(before, action, rolls, serialize_prompt(before, action, rolls), trust, rng.getstate())

    def apply(self, answered: Answered) -> Turn:
        """Continue from the chosen state; returns the turn with its words."""
        p = answered.prepared
        if p.before is not self.encounter:
            raise IllegalAction("that turn was prepared for an earlier state of the battle")
        item = fight.used_up(p.action, p.before.actor, answered.target.outcome.result, self.content)
        if item:
            self.potions[item] = self.potions.get(item, 0) - 1
        lines = narrate(p.before, p.action, answered.target.outcome, answered.after, self.content)
        said = answered.said
        if answered.asked and answered.divergences:
            lines.append(verdict(answered.words, answered.applied == MODEL, answered.fallback))
        elif answered.fallback:
            lines.append(f"The model's answer was unusable ({answered.fallback}): the rules decided this turn.")
        turn = Turn(p.before.actor, p.action, p.prompt, answered.engine, said.text, said.valid, said.error,
                    answered.applied, answered.divergences, p.trust, answered.fallback, tuple(lines), answered.asked, said.sure)
        if turn.close:
            turn = replace(turn, lines=(*turn.lines, f"Close call: the model was right, but only {int(100 * turn.sure)} % sure."))
        self.rng.setstate(p.rng_after)
        self.encounter = answered.after
        self.turns.append(turn)
        self.tally.add(turn)
        if self.parting == p.before.actor:
            # the blow is struck: the hero is away, unless it fell to it (or
            # the striker fell to its own burn and the fight is won anyway)
            self.parting = None
            self.fled = not self.encounter.over
        return turn

    def play(self, action: Action | None, trust: bool = False) -> Turn:
        """Prepare, answer and apply one turn of whoever's turn it is."""
        return self.apply(answer(self.prepare(action, trust), self.engine, self.model, self.content))

    def play_monster(self, trust: bool = False) -> Turn:
        return self.play(None, trust)

    def parting_blow(self) -> Action | None:
        """The turn a successful flight waits on: its striker's plain blow at the hero."""
        if self.parting and self.encounter.actor == self.parting:
            return Action(fight.PARTING_BLOW, HERO)
        return None

    def flee(self) -> tuple[bool, list[str]]:
        """The hero tries to run, instead of acting. The game decides this,
        not the template: `fight.flee_odds` with the battle's own dice.
        Either way the hero's turn is spent (its statuses and cooldowns wait
        for its next real turn). A failed try: the monsters act next. A
        successful one: the monster that hits hardest gets a parting blow
        (a real turn of its, a plain strike, answered by the rules and the
        model like any other), then the hero is away. Returns whether it got
        away and the log's lines."""
        before = self.encounter
        if self.over or before.actor != HERO or self.parting:
            raise IllegalAction("you can only flee on your own turn")
        odds = fight.flee_odds(before, self.content)
        if odds.chance <= 0:
            raise IllegalAction(fight.no_escape(before, self.content))
        away = self.rng.random() < odds.chance
        self.flights.append((before.turn, away))
        if away and odds.striker is None:  # nobody stands in the way
            self.fled = True
            return True, ["You flee the battle."]
        if away:
            self.parting = odds.striker.label
        nxt = self.parting or next(m.label for m in before.monsters if m.alive)
        self.encounter = Encounter(min(MAX_TURN, before.turn + 1), nxt, before.combatants)
        if away:
            striker = named(odds.striker, before)
            return True, [f"You break away, but {striker} gets a parting blow in."]
        return False, ["You try to flee, but the way is blocked: the monsters close in."]

    # --- the suspended run -------------------------------------------------

    def to_dict(self) -> dict:
        return written(
            BattleStateRecord,
            start=self.start.to_dict(),
            encounter=self.encounter.to_dict(),
            seed=self.seed,
            rng=rng_state(self.rng),
            potions=self.potions,
            fled=self.fled,
            flights=[list(f) for f in self.flights],
            parting=self.parting,
            turns=[t.state() for t in self.turns],
        )

    @classmethod
    def from_dict(cls, d: dict, *, model: Resolver | None = None, content: Content | None = None) -> Battle:
        b = cls(Encounter.from_dict(d["start"]), model=model, seed=int(d["seed"]), potions=dict(d["potions"]),
                content=content)
        b.encounter = Encounter.from_dict(d["encounter"])
        b.rng.setstate(rng_from(d["rng"]))
        b.fled = bool(d.get("fled", False))
        b.flights = [(int(t), bool(a)) for t, a in d.get("flights", [])]
        b.parting = d.get("parting")
        for t in d["turns"]:
            turn = Turn.from_state(t)
            b.turns.append(turn)
            b.tally.add(turn)
        return b


def battle_record(battle: Battle, *, seed: int, weights: dict | None, depth: int | None = None,
                  source: str = "play") -> dict:
    """The battle save of `battle` (game/records/battle.py declares it)."""
    return written(
        BattleRecord,
        kind=BATTLE_KIND,
        version=BATTLE_VERSION,
        seed=seed,
        battle_seed=battle.seed,
        weights=weights,
        template=TEMPLATE_VERSION,
        source=source,
        depth=depth,
        result=battle.result,
        monsters=[m.kind for m in battle.start.monsters],
        trust_model=any(t.trusted for t in battle.turns),
        flights=[written(Flight, turn=turn, got_away=away) for turn, away in battle.flights],
        agreement=written(Agreement, agreed=battle.tally.agreed, asked=battle.tally.asked),
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
        content=content_record(battle.content),
        turns=[t.record() for t in battle.turns],
    )


__all__ = ["Battle", "Turn", "Option", "Tally", "Prepared", "Answered", "answer", "battle_record", "END"]
