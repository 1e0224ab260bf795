"""The combat screen: the fighters, the hero's numbered actions, and each
turn's next state from the rules beside the model's."""

from __future__ import annotations

import time

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..battle import MODEL, Battle, Turn
from ..encounter import Action
from ..rules import IllegalAction
from ..run import Run
from .compare import Answer, render_comparison
from .widgets import Banner, render_options, render_roster


def comparison(turn: Turn, raw: bool, model_note: str) -> Group | Text:
    if not turn.asked_model:
        view = render_comparison(turn.prompt, turn.engine, [], raw=raw)
        return Group(view, Text(f"the model was not asked ({model_note})", "dim italic"))
    answer = Answer("MODEL (pico)", turn.model, turn.model_valid, turn.model_error, turn.applied == MODEL)
    view = render_comparison(turn.prompt, turn.engine, [answer], engine_applied=turn.applied != MODEL, raw=raw)
    if turn.fallback:
        return Group(view, Text(f"trusted the model, but {turn.fallback}: the rules decided", "bold yellow"))
    return view


class BattleScreen(Screen):
    """One battle, turn by turn; the model's answers shown beside the rules'."""

    BINDINGS = [
        *(Binding(str(n), f"act({n})", "Act", show=n == 1, key_display="1-7") for n in range(1, 10)),
        Binding("tab", "next_target", "Target"),
        Binding("f", "flee", "Flee"),
        Binding("r", "toggle_raw", "Raw template"),
        Binding("left_square_bracket", "browse(-1)", "Prev turn", key_display="["),
        Binding("right_square_bracket", "browse(1)", "Next turn", key_display="]"),
        Binding("enter,space", "leave", "Continue"),
        Binding("t", "app.toggle_trust", "Trust model"),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.suspend", "Save & quit"),
    ]

    busy = reactive(False)
    raw = reactive(False)
    target = reactive("m1")
    shown = reactive(-1)  # index of the turn in the comparison; -1: the latest

    def __init__(self, run: Run, battle: Battle):
        super().__init__()
        self.ready = False
        self.run_state = run
        self.battle = battle
        self.saved_to: str | None = None

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Horizontal(id="battle-body"):
            with Vertical(id="fighters"):
                yield Static(id="roster")
                yield Static(id="actions")
            yield Static(id="compare")
        yield Static(id="battle-log")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self.query_one("#roster").border_title = f"Battle on floor {self.run_state.depth}"
        self.query_one("#actions").border_title = "Your actions"
        self.query_one("#compare").border_title = "Next state: rules vs model"
        self.query_one("#battle-log").border_title = "Battle log"
        self.target = self.battle.living_monsters()[0].label if self.battle.living_monsters() else "m1"
        self.watch(self.app, "trust_model", lambda _: self.redraw())
        self.redraw()
        if not self.battle.over and not self.battle.hero_to_act:
            self.busy = True
            self.advance(None)

    # --- reactive redraws --------------------------------------------------

    def watch_busy(self, _: bool) -> None:
        self.redraw()

    def watch_raw(self, _: bool) -> None:
        self.redraw()

    def watch_target(self, _: str) -> None:
        self.redraw()

    def watch_shown(self, _: int) -> None:
        self.redraw()

    def redraw(self) -> None:
        if not self.ready:
            return
        b, content = self.battle, self.battle.content
        self.query_one("#roster", Static).update(render_roster(b.encounter, self.target, content))
        actions = self.query_one("#actions", Static)
        if b.over:
            end = "Victory!" if b.won else "You got away." if b.fled else "You have fallen."
            text = Text(end, "bold green" if b.won or b.fled else "bold red")
            if self.saved_to:
                text.append(f"\nBattle saved to {self.saved_to}", "dim")
            text.append("\nPress Enter to continue.", "bold")
            actions.update(text)
        else:
            text = render_options(b.options(self.target), b.encounter, b.potions, content, self.busy or not b.hero_to_act)
            text.append("Tab: next target   r: raw template   t: trust model", "dim")
            if self.busy:
                text.append("\nthe monsters act…", "italic yellow")
            actions.update(text)
        compare = self.query_one("#compare", Static)
        if b.turns:
            i = len(b.turns) - 1 if self.shown < 0 else self.shown
            compare.border_title = f"Turn {i + 1}/{len(b.turns)}: rules vs model" + ("  (raw)" if self.raw else "")
            compare.update(comparison(b.turns[i], self.raw, self.app.model.status))
        else:
            compare.update(Text("Each turn, the rules engine and the model both resolve it:\n"
                                "their next states appear here side by side, every difference lit.", "dim"))
        compare.border_subtitle = f"agree: battle {b.tally}  run {self.run_tally()}"
        lines = [line for t in b.turns for line in t.lines]
        self.query_one("#battle-log", Static).update(Text("\n".join(lines[-7:]) or "Choose an action with the number keys."))
        self.refresh_bindings()

    def run_tally(self) -> str:
        run, b = self.run_state.tally, self.battle.tally
        asked = run.asked + b.asked
        return f"{run.agreed + b.agreed}/{asked} ({100 * (run.agreed + b.agreed) / asked:.0f}%)" if asked else "-"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "act":
            return not self.battle.over and not self.busy and self.battle.hero_to_act
        if action == "leave":
            return self.battle.over and not self.busy
        if action == "next_target":
            return not self.battle.over
        if action == "flee":
            return not self.battle.over and not self.busy and self.battle.hero_to_act
        return True

    # --- keys ----------------------------------------------------------------

    def action_act(self, n: int) -> None:
        options = self.battle.options(self.target)
        if not 1 <= n <= len(options) or self.busy or self.battle.over:
            return
        option = options[n - 1]
        if not option.ready:
            self.notify(f"{option.ability}: {option.why}", severity="warning", timeout=3)
            return
        self.busy = True
        self.advance(option.action)

    def action_flee(self) -> None:
        """Run for it: the game rolls the chance; a failed try gives the monsters their turns."""
        b = self.battle
        if self.busy or b.over or not b.hero_to_act:
            return
        self.run_state.flee()
        if b.over:
            self.saved_to = self.app.save_battle(b)
            self.redraw()
        else:
            self.busy = True
            self.advance(None)

    def action_next_target(self) -> None:
        living = [m.label for m in self.battle.living_monsters()]
        if living:
            i = living.index(self.target) if self.target in living else -1
            self.target = living[(i + 1) % len(living)]

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw

    def action_browse(self, step: int) -> None:
        n = len(self.battle.turns)
        if n:
            i = (n - 1 if self.shown < 0 else self.shown) + step
            self.shown = -1 if i >= n - 1 else max(0, i)

    def action_leave(self) -> None:
        if self.battle.over:
            self.app.end_battle()

    # --- the turns, in a worker so the model never freezes the screen -----------

    @work(thread=True, exclusive=True, group="battle")
    def advance(self, action: Action | None) -> None:
        app, b = self.app, self.battle
        try:
            if action is not None:
                app.call_from_thread(self.show_turn, b.play(action, app.trust_model))
            while not b.over and not b.hero_to_act:
                time.sleep(app.turn_pause)
                app.call_from_thread(self.show_turn, b.play_monster(app.trust_model))
        except IllegalAction as exc:
            app.call_from_thread(self.notify, str(exc), severity="warning")
        except Exception as exc:  # noqa: BLE001 - never a traceback on the player's screen
            app.call_from_thread(self.notify, f"turn failed: {type(exc).__name__}: {exc}", severity="error")
        finally:
            app.call_from_thread(self.turns_done)

    def show_turn(self, turn: Turn) -> None:
        for line in turn.lines:
            self.run_state.say(line)
        self.shown = -1
        if self.battle.over and self.saved_to is None:
            self.saved_to = self.app.save_battle(self.battle)
        self.redraw()

    def turns_done(self) -> None:
        self.busy = False
        living = [m.label for m in self.battle.living_monsters()]
        if living and self.target not in living:
            self.target = living[0]
        self.redraw()
