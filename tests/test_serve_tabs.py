"""`pico-rogue serve` with many tabs at once, at the websocket level (aiohttp,
as the page's script talks to it; no browser): at most --max-games game
processes, every tab past that told why in what its page shows, a tab whose
game refuses (its saves folder in use) shown play's reason, each tab its own
folder with --saves-per-tab, and the process tree's memory bounded."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

aiohttp = pytest.importorskip("aiohttp")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(root: int) -> list[int]:
    """`root` and every process under it, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def games(root: int) -> list[int]:
    """The game processes (`python -m cli play`) under the server; the shell around one is not counted."""
    return [pid for pid in tree(root) if pid != root and " -m cli play " in cmdline(pid)
            and not cmdline(pid).startswith(("/bin/sh", "sh "))]


def rss_mb(root: int) -> float:
    total = 0
    for pid in tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Served:
    def __init__(self, tmp_path: Path, *flags: str):
        self.port = free_port()
        self.saves = tmp_path / "saves"
        command = [sys.executable, "-m", "cli", "serve", "--port", str(self.port), "--host", "127.0.0.1",
                   "--saves", str(self.saves), "--seed", "3", *flags]
        self.log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=tmp_path, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", self.port)) != 0:
            assert time.monotonic() < deadline, "the server did not listen in 30 s"
            assert self.process.poll() is None, "the server ended"
            time.sleep(0.1)

    def stop(self):
        """The server and everything it started (its own process group), gone."""
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(*flags):
        started.append(Served(tmp_path, *flags))
        return started[-1]

    yield start
    for server in started:
        server.stop()


class Tab:
    """One page's socket: every byte the page's terminal would get."""

    def __init__(self):
        self.got = bytearray()
        self.closed_by_server = False

    async def open(self, session, port: int):
        self.ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
        await self.ws.send_json(["resize", {"width": 100, "height": 30}])
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.got += message.data
        self.closed_by_server = True

    @property
    def text(self) -> str:
        """What the page's terminal got, its lines joined (the reason is wrapped to the page's width)."""
        return " ".join(self.got.decode(errors="replace").split())

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


async def until(check, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.2)
    return False


@pytest.mark.slow
def test_twenty_tabs_at_once_run_at_most_max_games(serve):
    server = serve("--max-games", "3", "--saves-per-tab")
    seen, peak_mb = [], [0.0]

    async def main():
        async with aiohttp.ClientSession() as session:
            tabs = [Tab() for _ in range(20)]
            await asyncio.gather(*(tab.open(session, server.port) for tab in tabs))

            def settled():
                seen.append(len(games(server.process.pid)))
                peak_mb[0] = max(peak_mb[0], rss_mb(server.process.pid))
                drawing = [t for t in tabs if len(t.got) > 2_000]
                told = [t for t in tabs if "no room for another game" in t.text]
                return len(drawing) == 3 and len(told) == 17

            assert await until(settled, 60), [t.text[:200] for t in tabs]
            for _ in range(10):  # a while longer: still no more than the cap
                settled()
                await asyncio.sleep(0.2)
            await asyncio.gather(*(tab.close() for tab in tabs))
        assert await until(lambda: not games(server.process.pid), 30), "the games did not end with their tabs"

    asyncio.run(main())
    assert max(seen) <= 3 and 3 in seen
    assert sorted(p.name for p in server.saves.iterdir() if p.is_dir()) == ["tab-1", "tab-2", "tab-3"]
    # the server and three games (~50-100 MB each), not twenty
    assert peak_mb[0] < 600, peak_mb[0]


@pytest.mark.slow
def test_a_tab_on_a_folder_in_use_reads_why(serve):
    server = serve()  # one shared --saves: the second tab's game refuses to start

    async def main():
        async with aiohttp.ClientSession() as session:
            first, second = Tab(), Tab()
            await first.open(session, server.port)
            assert await until(lambda: len(first.got) > 2_000 and (server.saves / ".lock").exists(), 60)
            await second.open(session, server.port)
            assert await until(lambda: "in use by another game" in second.text, 60), second.text
            assert "Reload the page" in second.text
            # the refused game has gone; only the first one runs
            assert await until(lambda: len(games(server.process.pid)) == 1, 20)
            await second.close()
            await first.close()
        assert await until(lambda: not games(server.process.pid), 30)

    asyncio.run(main())


# --- the server in this process, with stand-in games (no game imported): the hold, the kill, the reason -----------


async def in_process(commands, max_games: int, *tabs_then):
    """A GameServer on 127.0.0.1 whose games are `commands` (by slot); `tabs_then(port, session)` drives it."""
    from aiohttp import web

    from cli import serve as serve_module

    server = serve_module.server_class()(lambda slot: commands[slot or 1], max_games=max_games, per_tab=True,
                                         host="127.0.0.1", port=0)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession() as session:
            for step in tabs_then:
                await step(server, port, session)
    finally:
        await runner.cleanup()
    return server


def stand_in(code: str) -> str:
    return f"exec {sys.executable} -c {code!r}"


def test_a_refused_tab_is_closed_and_a_deaf_game_is_killed(monkeypatch):
    from cli import serve as serve_module

    monkeypatch.setattr(serve_module, "HOLD_S", 0.5)
    monkeypatch.setattr(serve_module, "QUIT_S", 0.5)
    deaf = stand_in("import time; time.sleep(60)")  # never draws, never hears "quit"
    tabs = {}

    async def first(server, port, session):
        tabs["first"] = tab = Tab()
        await tab.open(session, port)
        assert await until(lambda: server.slots == {1}, 5)

    async def second(server, port, session):
        tabs["second"] = tab = Tab()
        await tab.open(session, port)
        assert await until(lambda: tab.closed_by_server, 5), "a refused tab's socket was left open"
        assert "no room for another game (1 running, --max-games 1)" in tab.text

    async def leave(server, port, session):
        started = time.monotonic()
        await tabs["first"].close()
        assert await until(lambda: not server.slots, 5), "the game's slot was kept"
        assert time.monotonic() - started < 4  # killed after QUIT_S, not left running

    server = asyncio.run(in_process({1: deaf}, 1, first, second, leave))
    assert (server.started, server.refused) == (1, 1)


def test_a_game_that_ends_before_drawing_shows_its_stderr(monkeypatch):
    from cli import serve as serve_module

    monkeypatch.setattr(serve_module, "HOLD_S", 0.5)
    refusing = stand_in("import sys; sys.stderr.write('pico-rogue play: the reason, in one line\\n'); sys.exit(2)")

    async def tab(server, port, session):
        page = Tab()
        await page.open(session, port)
        assert await until(lambda: page.closed_by_server, 10), "the page was left open and blank"
        assert "pico-rogue play: the reason, in one line" in page.text and "Reload the page" in page.text
        assert not server.slots

    asyncio.run(in_process({1: refusing}, 2, tab))


def test_page_text_wraps_to_the_page():
    from cli.serve import page_text

    text = page_text("x " * 100, width=40).decode()
    assert all(len(re.sub("\x1b\\[[0-9;]*[A-Za-z]", "", line)) <= 40 for line in text.split("\r\n"))
    assert text.startswith("\x1b[2J") and len(text.encode()) > 10  # the page shows its terminal after 10 bytes
