"""The dungeon screen: the map, the hero's status, the message log.

The map is a viewport: it follows the hero when the floor does not fit, and
draws each tile two columns wide (square-ish) when there is room. Wide
terminals put the panels beside the map; narrow ones put the log below it
and the hero's details in the status lines."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from game.combat.describe import short_status, status_effect
from game.ui.screens.examine import ExamineScreen
from game.ui.screens.inventory import InventoryScreen
from game.ui.screens.widgets import KIND_STYLES, Banner, MessageLog, bar, plural
from game.world import dungeon, examine
from game.world.battle import Battle
from game.world.run import DIRECTIONS, Run

MOVES = {
    "up": "up,k,8", "down": "down,j,2", "left": "left,h,4", "right": "right,l,6",
    "up_left": "y,7,home", "up_right": "u,9,pageup", "down_left": "b,1,end", "down_right": "n,3,pagedown",
}


# --- the map -----------------------------------------------------------------


@dataclass(frozen=True)
class MapState:
    """The floor as the hero knows it: a glyph and a style for every cell,
    where the hero stands, and the monster in sight nearest it (what `x`
    stops for, so the view must show it too)."""

    cells: tuple[tuple[tuple[str, str], ...], ...]
    hero: tuple[int, int]
    focus: tuple[int, int] | None = None

    @classmethod
    def of(cls, run: Run) -> MapState:
        floor = run.floor
        monsters = {m.pos: m for m in floor.monsters}
        items = {i.pos: i for i in floor.items}
        rows = []
        for y in range(floor.height):
            row = []
            for x in range(floor.width):
                p = (x, y)
                tile = floor.tiles[y][x]
                if p == run.pos:
                    cell = ("@", "bold bright_white on grey23")
                elif p in floor.visible:
                    if p in monsters:
                        kind = run.content.monsters[monsters[p].kind]
                        cell = (kind.glyph, KIND_STYLES.get(kind.name, "bold red"))
                    elif p in items:
                        cell = (run.content.items[items[p].kind].glyph, "bold bright_yellow")
                    elif tile == dungeon.WALL:
                        cell = ("#", "grey62")
                    elif tile == dungeon.STAIRS:
                        cell = (">", "bold bright_white")
                    else:
                        cell = ("·", "grey50")
                elif p in floor.explored and p in items:
                    cell = (run.content.items[items[p].kind].glyph, "yellow dim")
                elif p in floor.explored:
                    cell = ({dungeon.WALL: "#", dungeon.STAIRS: ">"}.get(tile, "·"), "grey27")
                else:
                    cell = (" ", "")
                row.append(cell)
            rows.append(tuple(row))
        seen = [m.pos for m in run.in_sight()]
        hx, hy = run.pos
        focus = min(seen, key=lambda p: (max(abs(p[0] - hx), abs(p[1] - hy)), p[1], p[0])) if seen else None
        return cls(tuple(rows), run.pos, focus)


# (columns, rows) a tile takes, largest first. A terminal's cell is about
# twice as tall as wide, so 2x1 and 4x2 are square and 3x2 nearly so. The
# floor is drawn as large as the whole of it fits; when it does not fit,
# one row a tile, and the view scrolls.
SCALES = ((4, 2), (3, 2), (2, 1), (1, 1))


def tile_scale(width: int, height: int, floor_width: int, floor_height: int) -> tuple[int, int]:
    """The largest tile that shows the floor in `width` x `height` (columns
    two a tile whenever they fit, even when rows must scroll)."""
    for sx, sy in SCALES:
        if width >= sx * floor_width and (sy == 1 or height >= sy * floor_height):
            return sx, sy
    return 1, 1


def window(hero: int, focus: int | None, size: int, view: int) -> int:
    """The first cell of a `view`-cell window on a line of `size` cells:
    centred on the hero, then moved as little as it takes to show `focus`
    too, if both fit (the hero stays in view whatever happens)."""
    first = hero - view // 2
    if focus is not None and abs(focus - hero) < view:
        if focus < first:
            first = focus
        elif focus >= first + view:
            first = focus - view + 1
    return min(max(0, first), size - view)


def render_map(state: MapState, width: int, height: int) -> Text:
    """The part of the floor that fits `width` x `height`: the hero and the
    nearest monster in sight always in it, tiles as large as they can be."""
    rows, (hx, hy) = state.cells, state.hero
    fh, fw = len(rows), len(rows[0]) if rows else 0
    sx, sy = tile_scale(width, height, fw, fh)
    vw, vh = min(fw, max(1, width // sx)), min(fh, max(1, height // sy))
    fx, fy = state.focus if state.focus else (None, None)
    x0, y0 = window(hx, fx, fw, vw), window(hy, fy, fh, vh)
    left = " " * max(0, (width - vw * sx) // 2)
    t = Text(no_wrap=True, overflow="crop")
    t.append("\n" * max(0, (height - vh * sy) // 2))
    lines = []
    for y in range(y0, y0 + vh):
        for part in range(sy):  # a tall tile: its glyph on the first row, a wall all through
            line = Text(left)
            for glyph, style in rows[y][x0:x0 + vw]:
                wall = glyph == "#"
                line.append(glyph * sx if wall else (glyph if part == 0 else " ").center(sx), style)
            lines.append(line)
    t.append_text(Text("\n").join(lines))
    return t


class MapView(Widget):
    """The floor, drawn to fit the space it has."""

    state: reactive[MapState | None] = reactive(None)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.state.cells) if self.state else 0

    def render(self) -> Text:
        if self.state is None:
            return Text()
        return render_map(self.state, self.content_size.width, self.content_size.height)


# --- the hero's panels -------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    """What the panels say about the run, read off it after every action."""

    depth: int
    floors: int
    hp: int
    max_hp: int
    mp: int
    max_mp: int
    level: int
    xp: int
    next_xp: int
    atk: int
    defence: int
    moves: int
    seed: int
    carried: str
    kills: int
    battles: int
    tally: str
    mistakes: int
    in_sight: tuple[tuple[str, str], ...]  # (kind, glyph)
    items: tuple[str, ...]
    statuses: tuple[tuple[str, str, str], ...] = ()  # lingering after a battle: (short, words, tick kind)
    hero_class: str = "knight"

    @classmethod
    def of(cls, run: Run) -> RunState:
        hero = run.hero_template()
        floor = run.floor
        return cls(
            run.depth, run.floors, run.hp, hero.max_hp, run.mp, hero.max_mp, run.level, run.xp, run.next_level_xp, hero.atk,
            hero.defence, run.moves, run.seed, run.carrying(), run.kills,
            run.battles, str(run.tally), run.mistakes,
            tuple(sorted({(m.kind, run.content.monsters[m.kind].glyph) for m in floor.monsters if m.pos in floor.visible})),
            tuple(sorted({run.content.items[i.kind].title for i in floor.items if i.pos in floor.visible})),
            tuple((short_status(st, run.content), status_effect(st.name, st.turns, st.power, run.content),
                   run.content.statuses[st.name].tick) for st in run.statuses),
            run.hero_class,
        )


TICK_STYLES = {"damage": "bold red", "heal": "green"}  # as the battle's roster colours statuses


def hp_colour(hp: int, top: int) -> str:
    return "green" if hp * 2 > top else "yellow" if hp * 4 > top else "red"


class StatusLine(Static):
    """The bottom line: floor, hp, mp, level, experience, turn, seed."""

    state: reactive[RunState | None] = reactive(None)

    def render(self) -> Text:
        s = self.state
        t = Text(no_wrap=True, overflow="ellipsis")
        if s is None:
            return t
        t.append(f" Floor {s.depth}/{s.floors} ", "bold reverse")
        t.append("  HP ")
        t.append_text(bar(s.hp, s.max_hp, 10, hp_colour(s.hp, s.max_hp)))
        t.append(f" {s.hp}/{s.max_hp}  MP {s.mp}/{s.max_mp}")
        for short, _, tick in s.statuses:  # still ticking, one a move: before what can be cut
            t.append("  ")
            t.append(short, TICK_STYLES.get(tick, "cyan"))
        t.append(f"  Lv {s.level} ")
        t.append(f"(xp {s.xp}/{s.next_xp})", "dim")
        t.append(f"  Turn {s.moves}  Seed {s.seed}")
        return t


class CarryLine(Static):
    """Narrow terminals only: what the side panel would say, in one line."""

    state: reactive[RunState | None] = reactive(None)

    def render(self) -> Text:
        s = self.state
        t = Text(no_wrap=True, overflow="ellipsis")
        if s is None:
            return t
        t.append(" Carrying ", "dim")
        t.append(s.carried)
        t.append(f"  atk {s.atk} def {s.defence}  kills {s.kills}  agree {s.tally}", "dim")
        if s.mistakes:
            t.append(f"  model mistakes applied {s.mistakes}", "magenta")
        return t


class SidePanel(Static):
    """Wide terminals: the knight, the pack, kills, the model's record, what is in sight."""

    state: reactive[RunState | None] = reactive(None, layout=True)
    model_name = reactive("")

    def render(self) -> RenderableType:
        s = self.state
        if s is None:
            return Text()
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)  # a long value wraps under itself, not under the labels
        # the class's name is the label: a long one (pyromancer) left "def" and its number on two lines
        grid.add_row(Text(s.hero_class.capitalize(), "bold"), f"level {s.level}")
        grid.add_row("Stats", f"atk {s.atk}  def {s.defence}")
        grid.add_row("Carrying", s.carried)
        if s.statuses:
            grid.add_row("You are", Text("\n".join(words for _, words, _ in s.statuses)))
        grid.add_row("Kills", f"{s.kills} in {plural(s.battles, 'battle')}")
        # Text, not markup: the name comes from a weights config, anyone's words
        grid.add_row("Model", Text(f"{self.model_name}: " + (f"agreed with the rules on {s.tally} turns"
                                                             if s.tally != "-" else "not asked yet")))
        if s.mistakes:
            grid.add_row("Mistakes", Text(f"{s.mistakes} of the model's changed the run", "bold magenta"))
        if s.in_sight:
            seen = Text()
            for kind, glyph in s.in_sight:
                seen.append(glyph, KIND_STYLES.get(kind, "red"))
                seen.append(f" {kind}  ")
            grid.add_row("In sight", seen)
        if s.items:
            grid.add_row("Items", ", ".join(s.items))
        return grid


# --- the screen ---------------------------------------------------------------


class DungeonScreen(Screen):
    """Walking the floors: bump a monster to fight it."""

    # -huge: room for the floor at two rows a tile across the whole width
    # (3 columns x 60 tiles and the border); -tall: and in height (44 rows)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (182, "-huge")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-roomy"), (52, "-tall")]

    BINDINGS = [
        *(Binding(keys, f"move('{d}')", "Move", show=d == "up", key_display="hjkl")
          for d, keys in MOVES.items()),
        Binding("full_stop,5", "wait", "Wait", show=False),
        Binding("R", "rest", "Rest", show=False),
        Binding("x", "explore", "Explore"),
        Binding("greater_than_sign", "descend", "Stairs", key_display=">"),
        Binding("i", "inventory", "Inventory"),
        Binding("semicolon", "examine", "Examine", key_display=";"),
        Binding("m", "app.messages", "Messages", show=False),
        Binding("t", "app.toggle_trust", "Trust"),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.ask_quit", "Save & quit"),
    ]

    # the keys that act on the run (the app's keys, help and quit, always work)
    RUN_ACTIONS = frozenset({"move", "wait", "rest", "explore", "descend", "inventory", "examine"})

    class FightStarted(Message):
        """The hero bumped a monster, or monsters caught the hero: the run
        has begun `battle` already; the app shows it."""

        def __init__(self, battle: Battle):
            super().__init__()
            self.battle = battle

    def __init__(self, run: Run):
        super().__init__()
        self.run_state = run

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Grid(id="dungeon-body"):  # the cells' order is the wide layout's: see app.tcss
            yield MapView(id="map")
            yield SidePanel(id="side")
            yield MessageLog(id="log")
        yield StatusLine(id="status")
        yield CarryLine(id="carry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#log").border_title = "Messages"
        self.watch(self.app, "model_name", lambda name: setattr(self.query_one(SidePanel), "model_name", name))
        self.show_run()

    def on_screen_resume(self) -> None:
        self.show_run()
        self.refresh_bindings()  # a battle that held the keys is over

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # Between the bump that begins a battle and the app showing it, keys
        # already typed still arrive here: the run refuses them anyway, and
        # the inventory must not open under the battle.
        if action in self.RUN_ACTIONS and (self.run_state.battle or self.run_state.over):
            return False
        return True

    def show_run(self) -> None:
        """Hand every widget its new state; each redraws only if it changed."""
        run = self.run_state
        self.query_one(MapView).state = MapState.of(run)
        self.query_one("#map").border_title = f"Floor {run.depth}" + (" — the dragon's lair" if run.floor.last else "")
        state = RunState.of(run)
        for panel in (self.query_one(StatusLine), self.query_one(CarryLine), self.query_one(SidePanel)):
            panel.state = state
        self.query_one(MessageLog).lines = tuple(run.log)

    def after(self, battle: Battle | None) -> None:
        """Show the run as the key left it; a battle it began, the app shows."""
        self.show_run()
        if battle:
            self.refresh_bindings()
            self.post_message(self.FightStarted(battle))

    def action_move(self, direction: str) -> None:
        self.after(self.run_state.move(*DIRECTIONS[direction]))

    def action_wait(self) -> None:
        self.after(self.run_state.wait())

    def action_rest(self) -> None:
        self.after(self.run_state.rest())

    def action_explore(self) -> None:
        self.after(self.run_state.explore())

    def action_descend(self) -> None:
        """On the stairs: go down; elsewhere: travel to them, if seen."""
        self.after(self.run_state.go_down())

    def action_examine(self) -> None:
        """The monsters in sight, in words (`l` moves on the map: `;` looks)."""
        self.app.push_screen(ExamineScreen(examine.on_map(self.run_state)))

    def action_inventory(self) -> None:
        self.app.push_screen(InventoryScreen(self.run_state), self.drink)

    def drink(self, kind: str | None) -> None:
        if kind:
            self.run_state.drink(kind)
            self.show_run()
