"""The morgue file: a finished run's record in words, for a person to read,
with the run's last messages (runs/run-s<seed>-NNN.txt beside the record)."""

from __future__ import annotations

from game.records.battle import agreement_words

LAST_MESSAGES = 30


def differed(numbers: list[int], battles: int) -> str:
    """How many battles the model and the rules parted in, and which: a bare
    list of battle numbers ('40') once read as a count."""
    if not numbers:
        return f"Battles where the model and the rules differed: none of {battles}."
    which = f"battle {numbers[0]}" if len(numbers) == 1 else f"battles {', '.join(map(str, numbers))}"
    return f"Battles where the model and the rules differed: {len(numbers)} of {battles} ({which})."


def morgue_text(rec: dict, log: list[str]) -> str:
    """The morgue file: the record in words, then the last messages."""
    agreement = rec["agreement"]
    asked = agreement["asked"]
    model = rec["weights"]["name"] if rec.get("weights") else "none"
    end = ("Slew the dragon and conquered the dungeon." if rec["result"] == "won"
           else f"{rec['cause'][0].upper()}{rec['cause'][1:]}." if rec["cause"] else "The run did not end.")
    lines = [
        f"pico-rogue morgue: seed {rec['seed']} ({rec['source']}, {rec['created']})",
        "",
        end,
        f"{(rec.get('hero_class') or 'knight').capitalize()}, deepest floor {rec['deepest']} of {rec['floors']}; "
        f"level {rec['level']} ({rec['xp']} xp); "
        f"{rec['kills']} kills; {rec['moves']} moves; score {rec['score']}.",
        f"Model: {model}; "
        + (f"it agreed with the rules on {agreement_words(agreement['agreed'], asked)} of the turns it was asked; "
           if asked else "it was never asked; ") +
        f"its state drove {rec['driven']} of {rec['turns']} turns.",
        "",
        "Floors:",
    ]
    for depth in range(1, rec["deepest"] + 1):
        here = [b for b in rec["battles"] if b["depth"] == depth]
        lines.append(f"  {depth}: {len(here)} battles, {sum(b.get('killed', 0) for b in here)} kills"
                     + (f", fled {sum(b['result'] == 'fled' for b in here)}" if any(b["result"] == "fled" for b in here) else ""))
    lines += ["", "Battles:", "    #  floor  result  turns  divergent turns  monsters"]
    for b in rec["battles"]:
        diverged = ",".join(map(str, b["divergent"])) or "-"
        lines.append(f"  {b['n']:>3}  {b['depth']:>5}  {b['result']:<6}  {b['turns']:>5}  {diverged:<15}  "
                     f"{', '.join(b['monsters'])}")
        if b.get("file"):
            lines.append(f"       {b['file']}")
    lines += ["", differed(rec["diverged"], len(rec["battles"])), "", "Last messages:"]
    lines += [f"  {line}" for line in log[-LAST_MESSAGES:]]
    return "\n".join(lines) + "\n"
