"""`pico-rogue serve`: the same game in a browser, through textual-serve.

Each browser tab that connects starts its own `pico-rogue play` with the
flags given here, up to --max-games at once; a tab past that starts nothing
and reads why in the page. With --saves-per-tab each game gets a folder of
its own under --saves (tab-1, tab-2, ...: the lowest one no game of this
server holds), so tabs do not lock each other out; without it they share
--saves, which serves one game at a time, and a second tab reads play's
refusal in the page. The folder and the weights are checked before the
server starts, so a bad flag is one line here, not a blank page there.

The hook: textual-serve's Server.handle_websocket is the one place that
holds both a tab's socket and the process started for it, so GameServer
overrides it: the cap is taken there before any process starts, and the
socket is closed there once the process has gone (textual-serve's own waits
on the browser alone, so a game that died before drawing left a blank page
on an open socket). GameService (an AppService) keeps what the game wrote
to stderr, so a game that never drew shows that in the page."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from cli.errors import UsageError
from game.records.lock import SavesInUse, check_saves

MAX_GAMES = 4  # --max-games default (cli.parser says 4 too): each game is a process of ~50 MB
HOLD_S = 60.0  # a refused tab's socket stays open this long, the reason on screen, then closes (the page offers Restart)
QUIT_S = 10.0  # a game told to quit (its tab closed) gets this long before it is killed
STDERR_KEEP = 4_096  # the last bytes of a game's stderr kept for its page

log = logging.getLogger("pico-rogue.serve")


def play_command(args: argparse.Namespace, saves: Path | None = None) -> list[str]:
    """The `play` each browser tab runs (in `saves`, when given, instead of --saves)."""
    folder = saves if saves is not None else check_saves(args.saves)
    command = [sys.executable, "-m", "cli", "play", "--saves", str(folder)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.trust_model:
        command.append("--trust-model")
    if getattr(args, "hero_class", None):
        command += ["--class", args.hero_class]
    if args.weights is not None:
        command += ["--weights", str(args.weights.resolve())]
    if getattr(args, "runtime", "numpy") != "numpy":
        command += ["--runtime", args.runtime]
    for pack in getattr(args, "pack", None) or []:  # checked here already (cli.packs), read again by each tab
        command += ["--pack", str(pack.resolve())]
    return command


def page_text(reason: str, width: int = 80) -> bytes:
    """`reason` as the page's terminal shows it: the screen cleared, the text in bold, wrapped to the
    page's width, lines ended for a terminal."""
    lines = [part for line in reason.strip().splitlines()
             for part in textwrap.wrap(line, max(20, width - 4), break_on_hyphens=False) or [""]]
    body = "\r\n".join(f"  {line}" for line in lines or ["the game could not start"])
    return f"\x1b[2J\x1b[H\r\n\x1b[1m{body}\x1b[0m\r\n\r\n  Reload the page to try again.\r\n".encode()


def _service_class():
    from textual_serve.app_service import AppService

    class _Tee:
        """A process's stderr as textual-serve reads it, the last bytes kept."""

        def __init__(self, stream):
            self.stream, self.kept = stream, bytearray()

        async def read(self, n: int = -1) -> bytes:
            data = await self.stream.read(n)
            self.kept += data
            del self.kept[:-STDERR_KEEP]
            return data

    class GameService(AppService):
        """One tab's game: whether it ever drew, and the end of its stderr."""

        drew = False
        stderr: _Tee | None = None

        async def _open_app_process(self, width: int = 80, height: int = 24):
            process = await super()._open_app_process(width, height)
            self.stderr = process.stderr = _Tee(process.stderr)
            return process

        async def on_data(self, payload: bytes) -> None:
            self.drew = True
            await super().on_data(payload)

        def why(self) -> str:
            """What the game said before it ended without drawing."""
            text = bytes(self.stderr.kept).decode("utf-8", "replace").strip() if self.stderr else ""
            code = self._process.returncode if self._process is not None else None
            return text or f"pico-rogue: the game ended before it started (exit status {code})"

        async def reap(self, grace: float = QUIT_S) -> None:
            """The process gone: waited for `grace` seconds, then killed."""
            process = self._process
            if process is None:
                return
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                process.kill()
                await process.wait()

        async def end(self) -> None:
            """Told to quit (textual-serve's stop), killed if it has not within QUIT_S; its reader ended."""
            try:
                await asyncio.wait_for(self.stop(), QUIT_S)
            except TimeoutError:
                pass
            await self.reap(grace=0)
            if self._task is not None:
                await asyncio.gather(self._task, return_exceptions=True)
                self._task = None

    return GameService


def server_class():
    """GameServer, made on first use so `import cli.serve` does not load aiohttp."""
    from aiohttp import web
    from textual_serve.server import Server, to_int

    GameService = _service_class()

    class GameServer(Server):
        """textual-serve's Server with a cap on games and a reason in every page that gets no game."""

        def __init__(self, command_for: Callable[[int | None], str], *, max_games: int, per_tab: bool, **kwargs):
            super().__init__(command_for(None), **kwargs)
            self.command_for, self.max_games, self.per_tab = command_for, max_games, per_tab
            self.slots: set[int] = set()  # the games running now, by slot 1..max_games
            self.started = self.refused = 0  # games started, tabs refused: the server's own count

        def take_slot(self) -> int | None:
            free = [n for n in range(1, self.max_games + 1) if n not in self.slots]
            if not free:
                return None
            self.slots.add(free[0])
            return free[0]

        async def refuse(self, websocket: web.WebSocketResponse, reason: str, width: int, *,
                         counted: bool = True) -> None:
            """The reason in the page; the socket held HOLD_S (or until the tab goes), then closed."""
            self.refused += counted
            log.info("tab refused: %s", reason.strip().splitlines()[-1] if reason.strip() else "")
            try:
                await websocket.send_bytes(page_text(reason, width))

                async def drain():
                    async for _ in websocket:
                        pass

                await asyncio.wait_for(drain(), HOLD_S)
            except (TimeoutError, ConnectionError):
                pass
            finally:
                await websocket.close()

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            await websocket.prepare(request)
            slot = self.take_slot()
            if slot is None:
                await self.refuse(websocket, f"pico-rogue serve: no room for another game ({self.max_games} running, "
                                             f"--max-games {self.max_games}); wait for one to end", width)
                return websocket
            service = None
            messages = None
            try:
                service = GameService(self.command_for(slot if self.per_tab else None),
                                      write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                      close=websocket.close, download_manager=self.download_manager,
                                      debug=self.debug)
                await service.start(width, height)
                self.started += 1
                messages = asyncio.create_task(self._process_messages(websocket, service))
                await asyncio.wait({messages, service._task}, return_when=asyncio.FIRST_COMPLETED)
                if service._task.done():  # the game ended first: a blank page gets its reason
                    messages.cancel()
                    await asyncio.gather(messages, return_exceptions=True)
                    messages = None
                    if not service.drew:
                        await service.reap()
                        self.slots.discard(slot)
                        slot = None
                        await self.refuse(websocket, service.why(), width, counted=False)  # a game that started, and refused
            except asyncio.CancelledError:
                pass
            except Exception as error:  # noqa: BLE001 - as textual-serve's own: logged, the tab closed
                log.exception(error)
            finally:
                if messages is not None:
                    messages.cancel()
                    await asyncio.gather(messages, return_exceptions=True)
                if service is not None:
                    await service.end()
                if slot is not None:
                    self.slots.discard(slot)
                if not websocket.closed:
                    await websocket.close()
            return websocket

    return GameServer


def main(args: argparse.Namespace) -> int:
    if args.weights is not None and not args.weights.is_file():
        raise UsageError(f"--weights {args.weights}: no such file")
    try:
        base = check_saves(args.saves)
        command = play_command(args, base)
    except SavesInUse as exc:
        raise UsageError(str(exc)) from None
    per_tab = bool(getattr(args, "saves_per_tab", False))
    max_games = getattr(args, "max_games", None) or MAX_GAMES

    def command_for(slot: int | None) -> str:
        # exec: the shell textual-serve starts becomes the game, so the process it stops (or kills) is the game
        return "exec " + shlex.join(command if slot is None else play_command(args, base / f"tab-{slot}"))

    server = server_class()(command_for, max_games=max_games, per_tab=per_tab,
                            host=args.host, port=args.port, title="pico-rogue")
    server.serve()
    return 0
