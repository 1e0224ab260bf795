"""The morgue file: a finished run's record in words, for a person to read,
with the run's last messages (runs/run-s<seed>-NNN.txt beside the record)."""

from __future__ import annotations

LAST_MESSAGES = 30


def morgue_text(rec: dict, log: list[str]) -> str:
    """The morgue file: the record in words, then the last messages."""
    agreement = rec["agreement"]
    asked = agreement["asked"]
    model = rec["weights"]["name"] if rec.get("weights") else "none"
    share = f" ({100 * agreement['agreed'] / asked:.1f}%)" if asked else ""
    end = ("Slew the dragon and conquered the dungeon." if rec["result"] == "won"
           else f"{rec['cause'][0].upper()}{rec['cause'][1:]}." if rec["cause"] else "The run did not end.")
    lines = [
        f"pico-rogue morgue: seed {rec['seed']} ({rec['source']}, {rec['created']})",
        "",
        end,
        f"Deepest floor {rec['deepest']} of {rec['floors']}; level {rec['level']} ({rec['xp']} xp); "
        f"{rec['kills']} kills; {rec['moves']} moves; score {rec['score']}.",
        f"Model: {model}; it agreed with the rules on {agreement['agreed']} of {asked} turns{share}; "
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
    diverged = ", ".join(map(str, rec["diverged"])) or "none"
    lines += ["", f"Battles where the model and the rules differed: {diverged}", "", "Last messages:"]
    lines += [f"  {line}" for line in log[-LAST_MESSAGES:]]
    return "\n".join(lines) + "\n"
