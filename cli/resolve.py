"""`pico-rogue resolve`: a stream of JSONL prompts answered line by line, by the
engine or the model; a bad line is an error line, never the end of the stream."""

from __future__ import annotations

import argparse
import json
import sys

from cli.packs import say_refusing
from game.combat import limits
from game.combat.resolver import EngineResolver


def main(args: argparse.Namespace) -> int:
    if args.model:
        from model.resolver import load_resolver  # numpy and the weights only when asked for

        resolver = load_resolver(args.weights, threads=args.threads, runtime=args.runtime)
        say_refusing("resolve", resolver)
    else:
        resolver = EngineResolver()
    stdin = sys.stdin.buffer  # bytes: decoded per line, so one line of bad UTF-8 is one error line
    for n, raw in limits.lines(stdin, limits.LINE_BYTES):
        if raw is not None and not raw.strip():
            continue
        line = json.dumps(answer(n, raw, resolver, args.model))
        try:
            print(line, flush=True)
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk under stdout: name it
            raise OSError(exc.errno, exc.strerror, "<stdout>") from None
    return 0


def answer(n: int, raw: bytes | None, resolver, model: bool) -> dict:
    """The answer to one line of `resolve`'s stream: {"next": ...} or
    {"error": "line N: ...", "line": N}. Nothing in a line ends the stream."""

    def error(what: str) -> dict:
        return {"error": f"line {n}: {what}", "line": n}

    if raw is None:
        return error(f"longer than {limits.LINE_BYTES:,} bytes (the line cap); skipped")
    try:
        request = limits.json_loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return error(f"not UTF-8 text (byte {exc.start})")
    except limits.LimitError as exc:
        return error(str(exc))
    except ValueError:
        return error("expected a JSON object with a 'prompt' text")
    prompt = request.get("prompt") if isinstance(request, dict) else None
    if not isinstance(prompt, str):
        return error("expected a JSON object with a 'prompt' text")
    if len(prompt) > limits.TEXT_CHARS:
        return error(f"a prompt of {len(prompt):,} characters (at most {limits.TEXT_CHARS:,})")
    try:
        r = resolver.resolve(prompt)
    except Exception as exc:  # noqa: BLE001 - one line's failure must not end the stream
        return error(f"internal error: {type(exc).__name__}: {exc}")
    if r.refused:
        return error(r.error)
    return {"next": r.text, "valid": r.valid} if model else {"next": r.text}
