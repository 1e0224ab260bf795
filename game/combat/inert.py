"""Untrusted text made inert before it reaches a terminal.

Saves, runs, prompts, weights names and file paths can come from anyone. A
control character in them (ESC starts the sequences that retitle a window,
clear the screen or move the cursor; CR overwrites a line; the bidi
overrides reorder what the eye reads) is shown as a visible escape such as
`\\x1b` instead of being acted on. Newlines stay where a text has lines.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi and other
# invisible format characters that change how a line reads
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object, lines: bool = True) -> str:
    """`text` with every control character shown as an escape; with
    `lines=False` newlines and tabs are escaped too (a one-line field)."""
    text = str(text)
    out = _UNSAFE.sub(_escape, text)
    if not lines:
        out = out.replace("\n", "\\n").replace("\t", "\\t")
    return out
