"""The message log's words: what a turn did, and where the model and the
rules disagreed.

Narration reads the state that was applied, not the outcome line alone: when
the model's answer drives the game, its numbers are what happened, and the
log says so ("the troll loses 8 hp"), even where its outcome line said
something else. The words themselves (verbs, adjectives, nouns) live with
the content in assets/.
"""

from __future__ import annotations

from game.combat.content import Content, default
from game.combat.divergence import divergences
from game.combat.encounter import END, HERO, Action, Combatant, Encounter, Outcome, Status
from game.combat.template import Target, TemplateError, parse_prompt, parse_target

# the outcome's results as the divergence words say them ("the model called it a miss")
RESULT_WORDS = {
    "hit": "a hit", "crit": "a critical hit", "miss": "a miss", "heal": "a heal", "buff": "a success",
    "stunned": "a lost turn (stunned)", "down": "a death (down)",
}


def name(c: Combatant, encounter: Encounter, capital: bool = False) -> str:
    """'you', 'the goblin', or 'the goblin (m2)' when two share a kind."""
    if c.label == HERO:
        return "You" if capital else "you"
    twins = sum(1 for m in encounter.monsters if m.kind == c.kind) > 1
    text = f"the {c.kind}" + (f" ({c.label})" if twins else "")
    return text[0].upper() + text[1:] if capital else text


def status_words(statuses: tuple[Status, ...] | list[Status], content: Content, power: bool = False) -> str:
    """'burning (2), poisoned (3)': each status's adjective and turns left."""
    out = []
    for s in statuses:
        kind = content.statuses.get(s.name)
        words = kind.adjective if kind else s.name
        ticks = power and kind is not None and kind.tick != "none"
        out.append(f"{words} ({s.turns}" + (f", {s.power}/turn)" if ticks else ")"))
    return ", ".join(out)


def narrate(before: Encounter, action: Action, outcome: Outcome, after: Encounter,
            content: Content | None = None) -> list[str]:
    """What happened this turn, in words: 'The goblin ignites you for 6; you are burning (2).'

    `after` is the state the game continues from (the rules' or the model's);
    every number said is a change in it."""
    content = content or default()
    actor_before, actor_after = before.get(before.actor), after.get(before.actor)
    you = actor_before.label == HERO
    who = name(actor_before, before, capital=True)
    ability = content.abilities[action.ability]
    lines = []

    healing_self = outcome.result == "heal"
    tick = outcome.tick if healing_self else actor_after.hp - actor_before.hp
    if tick:
        lines.append(_tick_line(who, you, tick, actor_before, content))

    if actor_before.alive and not actor_after.alive:
        lines.append("You succumb." if you else f"{who} succumbs and dies.")
    elif outcome.result == "stunned":
        lines.append(f"{who} {'are' if you else 'is'} stunned and {'lose your' if you else 'loses its'} turn.")
    elif ability.attacks:
        lines.append(_attack_line(before, action, outcome, after, who, you, content))
    else:
        text = f"{who} {ability.verbs[0] if you else ability.verbs[1]}"
        healed = actor_after.hp - actor_before.hp - tick
        if healing_self:
            text += f" and {'heal' if you else 'heals'} {healed} hp"
        new = [s for s in actor_after.statuses if s not in actor_before.statuses]
        if new:
            text += f"; {'you are' if you else 'it is'} {status_words(new, content)}"
        lines.append(text + ".")

    # anyone else whose hp the applied state changed (only a model does that)
    for c in before.combatants:
        if c.label in (actor_before.label, action.target if ability.attacks else None):
            continue
        now = after.get(c.label)
        if now.hp != c.hp:
            lines.append(f"{name(c, before, capital=True)} now {'have' if c.label == HERO else 'has'} "
                         f"{now.hp} hp (was {c.hp}).")
    if after.over:
        lines.append("The battle is won." if after.hero.alive else "The battle is lost.")
    return lines


def _tick_line(who: str, you: bool, tick: int, actor: Combatant, content: Content) -> str:
    want = "damage" if tick < 0 else "heal"
    causes = [content.statuses[s.name].noun for s in actor.statuses
              if s.name in content.statuses and content.statuses[s.name].tick == want]
    cause = f" from {' and '.join(causes)}" if causes else ""
    if tick < 0:
        return f"{who} {'take' if you else 'takes'} {-tick} damage{cause}."
    return f"{who} {'regain' if you else 'regains'} {tick} hp{cause}."


def _attack_line(before: Encounter, action: Action, outcome: Outcome, after: Encounter, who: str, you: bool,
                 content: Content) -> str:
    ability = content.abilities[action.ability]
    target_before, target_after = before.get(action.target), after.get(action.target)
    them = name(target_before, before)
    lost = target_before.hp - target_after.hp
    if outcome.result == "miss" and lost == 0:
        whose = "Your" if you else f"{who}'s"
        return f"{whose} {action.ability.replace('_', ' ')} misses {them}."
    # the amount said is the outcome's when the state bears it out, else the hp the target lost
    shown = outcome.amount if min(outcome.amount, target_before.hp) == lost else lost
    text = f"{who} {ability.verbs[0] if you else ability.verbs[1]} {them} for {shown}"
    if outcome.result == "crit":  # a crit passes the defence: where there was none to pass, it did nothing more
        armoured = target_before.defence > 0 and not ability.pierce
        whose = "your" if target_before.label == HERO else "its"
        text += f", a critical hit through {whose} defence" if armoured else ", a critical hit (no defence to pass)"
    if target_before.alive and not target_after.alive:
        return text + "; " + ("you fall." if target_before.label == HERO else f"{them} dies.")
    new = [s for s in target_after.statuses if s not in target_before.statuses and s.name != "guard"]
    if new:
        text += f"; {'you are' if target_before.label == HERO else 'it is'} {status_words(new, content)}"
    return text + "."


# --- where the model and the rules disagreed ----------------------------------


def differences(before: Encounter, rules: Target, model: Target, content: Content | None = None) -> list[str]:
    """Each field where the model's next state differs from the rules', in
    words: 'the model gave the troll 6 hp, the rules 16'."""
    content = content or default()
    want, have = _rows(rules), _rows(model)
    out = []
    for path in divergences(rules, model):
        label, _, field = path.partition(".")
        if label == "outcome":
            out.append(_outcome_words(field, rules, model, before))
        elif path == "turn":
            out.append(f"the model wrote turn {model.turn}, the rules {rules.turn}")
        elif path == "next":
            out.append(f"the model gave the next turn to {_who(model.next, before)}, the rules to {_who(rules.next, before)}")
        elif label not in want or label not in have:
            out.append(f"the model listed {'no ' if label not in have else ''}{label} where the rules "
                       f"{'did' if label in want else 'did not'}")
        else:
            out.append(_row_words(label, field, want[label], have[label], before, content))
    return out


def _rows(target: Target) -> dict:
    return {r.label: r for r in target.rows}


def _who(label: str, before: Encounter) -> str:
    if label == END:
        return "no one (the battle over)"
    try:
        return name(before.get(label), before)
    except KeyError:
        return label


def _outcome_words(field: str, rules: Target, model: Target, before: Encounter) -> str:
    r, m = rules.outcome, model.outcome
    actor = _who(before.actor, before)
    if field == "tick":
        return f"the model ticked {actor} {m.tick:+d} hp, the rules {r.tick:+d}"
    if field == "result":
        return f"the model called it {RESULT_WORDS.get(m.result, m.result)}, the rules {RESULT_WORDS.get(r.result, r.result)}"
    def what(result: str) -> str:
        return "healed" if result == "heal" else "damage" if result in ("hit", "crit", "miss") else ""
    if what(m.result) == what(r.result):
        return f"the model counted {m.amount} {what(m.result)}".rstrip() + f", the rules {r.amount}"
    return f"the model counted {m.amount} {what(m.result)}".rstrip() + f", the rules {r.amount} {what(r.result)}".rstrip()


def _row_words(label: str, field: str, want, have, before: Encounter, content: Content) -> str:
    who = _who(label, before)
    if field == "hp":
        return f"the model gave {who} {have.hp} hp, the rules {want.hp}"
    if field == "mp":
        return f"the model gave {who} {have.mp} mp, the rules {want.mp}"
    if field == "st":
        def say(statuses) -> str:
            return status_words(statuses, content, power=True) or "no statuses"
        return f"the model left {who} {say(have.statuses)}, the rules {say(want.statuses)}"
    slots_want, slots_have = dict(want.cooldowns), dict(have.cooldowns)
    changed = [a for a in slots_want if slots_want[a] != slots_have.get(a)] + [a for a in slots_have if a not in slots_want]
    whose = "your" if label == HERO else f"{who}'s"

    def slots(d: dict) -> str:
        return ", ".join(f"{a.replace('_', ' ')} {d[a]}" if a in d else f"no {a.replace('_', ' ')}" for a in changed)
    return f"the model set {whose} cooldowns to {slots(slots_have)}, the rules {slots(slots_want)}"


def divergence_words(prompt: str, engine: str, model: str | None, valid: bool, error: str | None = None,
                     content: Content | None = None) -> list[str]:
    """The differences of a recorded turn (play's or a save's), in words."""
    content = content or default()
    if model is None or not valid:
        return [unusable_words(model, error)]
    try:
        before = parse_prompt(prompt, content).encounter
        return differences(before, parse_target(engine, content), parse_target(model, content), content)
    except TemplateError as exc:
        return [unusable_words(model, str(exc))]


def unusable_words(text: str | None, error: str | None) -> str:
    """The difference when the model's answer is no state at all."""
    if text is None:
        return f"the model refused the prompt ({error or 'no reason given'})"
    return f"the model's answer did not parse ({error or 'malformed'})"


def verdict(words: list[str], applied_model: bool, fallback: str | None) -> str:
    """The log line of a divergence: what differed, and whose state the game kept."""
    text = "; ".join(words) or "the model's answer differs"
    if applied_model:
        tail = "the model's state was applied"
    elif fallback:
        tail = f"the model's answer was unusable ({fallback}), so the rules decided"
    else:
        tail = "the rules' state was applied"
    return f"{text[0].upper()}{text[1:]} — {tail}."
