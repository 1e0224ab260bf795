"""The dungeon screen: the map, the hero's status, the message log."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from .. import dungeon
from ..run import DIRECTIONS, Run
from .inventory import InventoryScreen
from .widgets import KIND_STYLES, Banner, bar, hp_style

MOVES = {
    "up": "up,k,8", "down": "down,j,2", "left": "left,h,4", "right": "right,l,6",
    "up_left": "y,7,home", "up_right": "u,9,pageup", "down_left": "b,1,end", "down_right": "n,3,pagedown",
}


def render_map(run: Run) -> Text:
    floor = run.floor
    monsters = {m.pos: m for m in floor.monsters}
    items = {i.pos: i for i in floor.items}
    t = Text()
    for y in range(floor.height):
        for x in range(floor.width):
            p = (x, y)
            tile = floor.tiles[y][x]
            if p == run.pos:
                t.append("@", "bold bright_white on grey23")
            elif p in floor.visible:
                if p in monsters:
                    kind = run.content.monsters[monsters[p].kind]
                    t.append(kind.glyph, KIND_STYLES.get(kind.name, "bold red"))
                elif p in items:
                    t.append(run.content.items[items[p].kind].glyph, "bold bright_yellow")
                elif tile == dungeon.WALL:
                    t.append("#", "grey62")
                elif tile == dungeon.STAIRS:
                    t.append(">", "bold bright_white")
                else:
                    t.append("·", "grey50")
            elif p in floor.explored and p in items:
                t.append(run.content.items[items[p].kind].glyph, "yellow dim")
            elif p in floor.explored:
                glyph = {dungeon.WALL: "#", dungeon.STAIRS: ">"}.get(tile, "·")
                t.append(glyph, "grey27")
            else:
                t.append(" ")
        if y < floor.height - 1:
            t.append("\n")
    return t


def render_status(run: Run) -> Text:
    hero = run.hero_template()
    t = Text()
    t.append(f" Floor {run.depth}/{run.floors} ", "bold reverse")
    t.append("  HP ")
    t.append_text(bar(run.hp, hero.max_hp, 10, hp_style(run.hero())))
    t.append(f" {run.hp}/{hero.max_hp}  MP {run.mp}/{hero.max_mp}  Lv {run.level} ")
    t.append(f"(xp {run.xp}/{run.next_level_xp})", "dim")
    t.append(f"  Turn {run.moves}  Seed {run.seed}")
    return t


def render_side(run: Run) -> Text:
    hero = run.hero_template()
    t = Text()
    t.append("Knight", "bold")
    t.append(f"  level {run.level}   atk {hero.atk}  def {hero.defence}\n")
    t.append("Carrying: ", "dim")
    t.append(run.carrying() + "\n")
    t.append(f"Kills {run.kills}   battles {run.battles}   model/rules agree {run.tally}\n", "dim")
    seen = sorted({m.kind for m in run.floor.monsters if m.pos in run.floor.visible})
    if seen:
        t.append("In sight: ", "dim")
        for kind in seen:
            k = run.content.monsters[kind]
            t.append(k.glyph, KIND_STYLES.get(kind, "red"))
            t.append(f" {kind}  ")
        t.append("\n")
    items = sorted({i.kind for i in run.floor.items if i.pos in run.floor.visible})
    if items:
        t.append("Items: ", "dim")
        t.append(", ".join(f"{run.content.items[k].glyph} {run.content.items[k].title}" for k in items) + "\n")
    return t


class DungeonScreen(Screen):
    """Walking the floors: bump a monster to fight it."""

    BINDINGS = [
        *(Binding(keys, f"move('{d}')", "Move", show=d == "up", key_display="arrows/hjkl")
          for d, keys in MOVES.items()),
        Binding("full_stop,5", "wait", "Wait"),
        Binding("R", "rest", "Rest"),
        Binding("x", "explore", "Explore"),
        Binding("greater_than_sign", "descend", "Stairs", key_display=">"),
        Binding("i", "inventory", "Inventory"),
        Binding("question_mark", "app.help", "Help"),
        Binding("t", "app.toggle_trust", "Trust model"),
        Binding("q", "app.suspend", "Save & quit"),
    ]

    tick = reactive(0)  # bumped after every move: redraws the map and panels

    def __init__(self, run: Run):
        super().__init__()
        self.ready = False
        self.run_state = run

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Horizontal(id="dungeon-body"):
            yield Static(id="map")
            with Vertical(id="right"):
                yield Static(id="side")
                yield Static(id="log")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self.query_one("#map").border_title = "Dungeon"
        self.query_one("#log").border_title = "Messages"
        self.redraw()

    def on_screen_resume(self) -> None:
        self.redraw()

    def watch_tick(self, _: int) -> None:
        self.redraw()

    def redraw(self) -> None:
        run = self.run_state
        if not self.ready:
            return
        self.query_one("#map", Static).update(render_map(run))
        self.query_one("#status", Static).update(render_status(run))
        self.query_one("#side", Static).update(render_side(run))
        self.query_one("#log", Static).update(Text("\n".join(run.log[-14:])))
        self.refresh_bindings()

    def action_move(self, direction: str) -> None:
        fight = self.run_state.move(*DIRECTIONS[direction])
        self.tick += 1
        if fight:
            self.app.start_battle(fight)

    def action_wait(self) -> None:
        fight = self.run_state.wait()
        self.tick += 1
        if fight:
            self.app.start_battle(fight)

    def action_rest(self) -> None:
        fight = self.run_state.rest()
        self.tick += 1
        if fight:
            self.app.start_battle(fight)

    def action_explore(self) -> None:
        self.after_walk(self.run_state.explore())

    def action_descend(self) -> None:
        """On the stairs: go down; elsewhere: travel to them, if seen."""
        self.after_walk(self.run_state.go_down())

    def after_walk(self, fight) -> None:
        self.tick += 1
        if fight:
            self.app.start_battle(fight)

    def action_inventory(self) -> None:
        def drink(kind: str | None) -> None:
            if kind:
                self.run_state.drink(kind)
                self.tick += 1

        self.app.push_screen(InventoryScreen(self.run_state), drink)
