"""One battle: the rules engine and the model resolve every turn side by side.

Each turn the game rolls the dice, writes the prompt, asks the engine (ground
truth) and the model (any `Resolver`: the pico model, or anything a test
passes in), compares their next states field by field, and continues from
one of them: the engine's, or the model's when the player trusts the model
and its answer is usable. Nothing here draws to a screen; a turn comes back
as data with its narration lines for the message log.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import fight
from .content import Content, default
from .divergence import text_divergences
from .encounter import END, HERO, MAX_TURN, Action, Combatant, Encounter, Outcome, Status
from .generate import roll
from .resolver import EngineResolver, Resolution, Resolver
from .rules import IllegalAction, check_action
from .tactics import monster_action
from .template import Target, TemplateError, parse_target, serialize_prompt

ENGINE, MODEL = "engine", "model"

# How each ability reads in the log: (said of you, said of a monster).
VERBS = {
    "strike": ("hit", "hits"),
    "poison_strike": ("stab", "stabs"),
    "ignite": ("ignite", "ignites"),
    "bash": ("bash", "bashes"),
}
ADJECTIVES = {"poison": "poisoned", "burn": "burning", "regen": "regenerating", "guard": "on guard", "stun": "stunned"}


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

    @property
    def agreed(self) -> bool:
        return self.asked_model and self.model_valid and not self.divergences

    def record(self) -> dict:
        return {
            "prompt": self.prompt,
            "engine": self.engine,
            "model": self.model,
            "model_valid": self.model_valid,
            "model_error": self.model_error,
            "asked_model": self.asked_model,
            "applied": self.applied,
            "divergences": list(self.divergences),
            "trusted": self.trusted,
            "fallback": self.fallback,
            "narration": list(self.lines),
        }


@dataclass(frozen=True)
class Option:
    """An action on the hero's numbered keys; `why` says why it is greyed."""

    key: str
    ability: str
    action: Action
    why: str | None
    describe: str

    @property
    def ready(self) -> bool:
        return self.why is None


@dataclass
class Tally:
    """Agreement of model and rules over the turns the model answered."""

    agreed: int = 0
    asked: int = 0

    def add(self, turn: Turn) -> None:
        if turn.asked_model:
            self.asked += 1
            self.agreed += turn.agreed

    def __str__(self) -> str:
        if not self.asked:
            return "-"
        return f"{self.agreed}/{self.asked} ({100 * self.agreed / self.asked:.0f}%)"


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

    # --- what the screen asks --------------------------------------------

    @property
    def over(self) -> bool:
        return self.encounter.over or self.fled

    @property
    def won(self) -> bool:
        return self.encounter.over and self.encounter.hero.alive

    @property
    def hero_to_act(self) -> bool:
        return self.encounter.actor == HERO

    def living_monsters(self) -> list[Combatant]:
        return [m for m in self.encounter.monsters if m.alive]

    def options(self, target: str | None = None) -> list[Option]:
        """The hero's abilities on keys 1..n, each ready or greyed with why."""
        target = target or next((m.label for m in self.living_monsters()), "m1")
        out = []
        for n, name in enumerate(self.content.hero.abilities, 1):
            ability = self.content.abilities[name]
            action = Action(name, HERO if ability.target == "self" else target)
            out.append(Option(str(n), name, action, self.why_not(action), ability.describe))
        return out

    def why_not(self, action: Action) -> str | None:
        """None if the hero may take `action` now, else the reason."""
        if self.over:
            return "the battle is over"
        try:
            check_action(self.encounter, action, self.content)
        except IllegalAction as exc:
            return str(exc).replace(f"{HERO} has", "you have")
        item = self.content.abilities[action.ability].item
        if item and self.potions.get(item, 0) <= 0:
            return f"no {item.replace('_', ' ')} left"
        return None

    def monster_choice(self) -> Action:
        return monster_action(self.encounter, self.rng, self.content)

    # --- one turn ----------------------------------------------------------

    def play(self, action: Action, trust: bool = False) -> Turn:
        """Resolve one action of whoever's turn it is; returns the turn."""
        before = self.encounter
        reason = self.why_not(action) if before.actor == HERO else None
        if reason:
            raise IllegalAction(reason)
        check_action(before, action, self.content)
        rolls = roll(self.rng)
        prompt = serialize_prompt(before, action, rolls)
        engine = self.engine.resolve(prompt)
        if engine.text is None:  # the rules refuse only what check_action refuses
            raise IllegalAction(engine.error or "the rules refused the prompt")
        target = parse_target(engine.text, self.content)
        after = target.apply(before)

        asked = self.model is not None
        if asked:
            try:
                said = self.model.resolve(prompt)
            except Exception as exc:  # noqa: BLE001 - a broken model must not end the game
                said = Resolution(None, False, f"the model failed: {type(exc).__name__}: {exc}")
            divergences = tuple(text_divergences(engine.text, said.text)) if said.valid else ("unparsed",)
        else:
            said = Resolution(None, False, "no model loaded")
            divergences = ()

        applied, fallback = ENGINE, None
        if trust:
            if not asked:
                fallback = "no model is loaded"
            else:
                fallback, model_target, model_after = unusable(said, before, self.content)
                if fallback is None:
                    applied, target, after = MODEL, model_target, model_after

        item = fight.used_up(action, before.actor, target.outcome.result, self.content)
        if item:
            self.potions[item] = self.potions.get(item, 0) - 1

        lines = narrate(before, action, target.outcome, after, self.content)
        if fallback:
            lines.append(f"The model's answer was unusable ({fallback}): the rules decided this turn.")
        turn = Turn(before.actor, action, prompt, engine.text, said.text, said.valid, said.error, applied,
                    divergences, trust, fallback, tuple(lines), asked)
        self.encounter = after
        self.turns.append(turn)
        self.tally.add(turn)
        return turn

    def play_monster(self, trust: bool = False) -> Turn:
        return self.play(self.monster_choice(), trust)

    def flee(self) -> tuple[bool, list[str]]:
        """The hero tries to run, instead of acting. The game decides this,
        not the template: `fight.flee_chance` with the battle's own dice. A
        failed try costs the hero its turn (the monsters act next; its
        statuses and cooldowns wait for its next real turn). Returns whether
        it got away and the log's lines."""
        before = self.encounter
        if self.over or before.actor != HERO:
            raise IllegalAction("you can only flee on your own turn")
        chance = fight.flee_chance(before, self.content)
        if chance <= 0:
            raise IllegalAction(fight.no_escape(before, self.content))
        away = self.rng.random() < chance
        self.flights.append((before.turn, away))
        if away:
            self.fled = True
            return True, ["You flee the battle."]
        nxt = next(m.label for m in before.monsters if m.alive)
        self.encounter = Encounter(min(MAX_TURN, before.turn + 1), nxt, before.combatants)
        return False, ["You try to flee, but the way is blocked: the monsters close in."]

    # --- the suspended run -------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "start": asdict(self.start),
            "encounter": asdict(self.encounter),
            "seed": self.seed,
            "rng": _rng_state(self.rng),
            "potions": self.potions,
            "fled": self.fled,
            "flights": [list(f) for f in self.flights],
            "turns": [t.record() | {"actor": t.actor, "action": [t.action.ability, t.action.target]}
                      for t in self.turns],
        }

    @classmethod
    def from_dict(cls, d: dict, *, model: Resolver | None = None, content: Content | None = None) -> Battle:
        b = cls(encounter_from_dict(d["start"]), model=model, seed=int(d["seed"]), potions=dict(d["potions"]), content=content)
        b.encounter = encounter_from_dict(d["encounter"])
        b.rng.setstate(_rng_from(d["rng"]))
        b.fled = bool(d.get("fled", False))
        b.flights = [(int(t), bool(a)) for t, a in d.get("flights", [])]
        for t in d["turns"]:
            turn = Turn(t["actor"], Action(*t["action"]), t["prompt"], t["engine"], t["model"], t["model_valid"],
                        t["model_error"], t["applied"], tuple(t["divergences"]), t["trusted"], t["fallback"],
                        tuple(t["narration"]), t["asked_model"])
            b.turns.append(turn)
            b.tally.add(turn)
        return b


def encounter_from_dict(d: dict) -> Encounter:
    return Encounter(int(d["turn"]), str(d["actor"]), tuple(
        Combatant(c["label"], c["kind"], c["hp"], c["max_hp"], c["mp"], c["max_mp"], c["atk"], c["defence"],
                  tuple(Status(**s) for s in c["statuses"]), tuple((a, int(n)) for a, n in c["cooldowns"]))
        for c in d["combatants"]
    ))


def _rng_state(rng: random.Random) -> list:
    version, state, gauss = rng.getstate()
    return [version, list(state), gauss]


def _rng_from(d: list) -> tuple:
    return (d[0], tuple(d[1]), d[2])


# --- the message log -------------------------------------------------------


def name(c: Combatant, encounter: Encounter, capital: bool = False) -> str:
    if c.label == HERO:
        return "You" if capital else "you"
    twins = sum(1 for m in encounter.monsters if m.kind == c.kind) > 1
    text = f"the {c.kind}" + (f" ({c.label})" if twins else "")
    return text[0].upper() + text[1:] if capital else text


def _status_words(statuses: tuple[Status, ...] | list[Status]) -> str:
    return ", ".join(f"{ADJECTIVES.get(s.name, s.name)} ({s.turns})" for s in statuses)


def narrate(before: Encounter, action: Action, outcome: Outcome, after: Encounter, content: Content | None = None) -> list[str]:
    """What happened this turn, in words: 'The goblin ignites you for 6; you are burning (2).'"""
    content = content or default()
    actor_before = before.get(before.actor)
    actor_after = after.get(before.actor)
    hero = actor_before.label == HERO
    who = name(actor_before, before, capital=True)
    lines = []
    if outcome.tick:
        ticking = [s.name for s in actor_before.statuses if content.statuses[s.name].tick != "none"]
        causes = " and ".join(ADJECTIVES.get(s, s) for s in ticking) or "statuses"
        if outcome.tick < 0:
            lines.append(f"{who} {'take' if hero else 'takes'} {-outcome.tick} damage from being {causes}.")
        else:
            lines.append(f"{who} {'regain' if hero else 'regains'} {outcome.tick} hp.")
    if outcome.result == "down":
        lines.append("You succumb." if hero else f"{who} succumbs and dies.")
        return lines
    if outcome.result == "stunned":
        lines.append(f"{who} {'are' if hero else 'is'} stunned and {'lose your' if hero else 'loses its'} turn.")
        return lines

    ability = content.abilities[action.ability]
    if ability.attacks:
        t_before, t_after = before.get(action.target), after.get(action.target)
        them = name(t_before, before)
        if outcome.result == "miss":
            lines.append(f"{'Your' if hero else who + chr(39) + 's'} {action.ability.replace('_', ' ')} misses {them}.")
        else:
            you_verb, it_verb = VERBS.get(action.ability, ("use " + action.ability + " on", "uses " + action.ability + " on"))
            text = f"{who} {you_verb if hero else it_verb} {them} for {outcome.amount}"
            if outcome.result == "crit":
                text += ", a critical hit"
            if not t_after.alive and t_before.alive:
                text += "; " + ("you fall" if t_before.label == HERO else f"{them} dies")
            else:
                new = [s for s in t_after.statuses if s not in t_before.statuses and s.name != "guard"]
                if new:
                    subject = "you are" if t_before.label == HERO else "it is"
                    text += f"; {subject} {_status_words(new)}"
            lines.append(text + ".")
    else:
        new = [s for s in actor_after.statuses if s not in actor_before.statuses]
        if ability.item:
            drink = f"{who} {'drink' if hero else 'drinks'} a {ability.item.replace('_', ' ')}"
        else:
            drink = f"{who} {'use' if hero else 'uses'} {action.ability}"
        if outcome.result == "heal":
            drink += f" and {'heal' if hero else 'heals'} {actor_after.hp - (actor_before.hp + outcome.tick)} hp"
        if new:
            drink += f"; {'you are' if hero else 'it is'} {_status_words(new)}"
        lines.append(drink + ".")
    if after.over:
        lines.append("The battle is won." if after.hero.alive else "The battle is lost.")
    return lines


# --- the model side ----------------------------------------------------------


@dataclass
class ModelSide:
    """The model as the game holds it: the resolver, or why there is none."""

    resolver: Resolver | None = None
    status: str = "loading"  # loading, ready, unavailable
    detail: str = ""
    weights: dict | None = field(default=None)

    @property
    def ready(self) -> bool:
        return self.resolver is not None


def load_model(weights: Path | None = None, threads: int = 1) -> ModelSide:
    """Load the bundled (or given) pico model; never raises: a missing model
    or missing weights make it 'unavailable' and the rules play alone."""
    try:
        from model.resolver import load_resolver
    except ImportError as exc:
        return ModelSide(None, "unavailable", f"the model code is missing ({exc})")
    try:
        resolver = load_resolver(weights, threads=threads)
    except Exception as exc:  # noqa: BLE001 - WeightsError and anything else: play on without it
        return ModelSide(None, "unavailable", f"{type(exc).__name__}: {exc}")
    return model_side(resolver)


def model_side(resolver: Resolver) -> ModelSide:
    """A ready ModelSide for any resolver (tests pass an EngineResolver)."""
    name = getattr(resolver, "weights_name", None) or resolver.name
    sha = getattr(resolver, "weights_sha256", None) or ""
    return ModelSide(resolver, "ready", name, {"name": name, "sha256": sha})


__all__ = ["Battle", "Turn", "Option", "Tally", "ModelSide", "load_model", "model_side", "narrate", "END"]
