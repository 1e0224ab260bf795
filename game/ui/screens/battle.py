"""The combat screen: the fighters, the hero's numbered actions, and each
turn's next state from the rules beside the model's.

A turn runs in three steps (see battle.py): the screen prepares it (dice,
prompt), a worker thread asks the engine and the model, and the answer comes
back as a message that the screen applies on its own thread. The worker never
touches the battle the screen draws. When the model and the rules differ, the
game stops on that turn until a key."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from game.combat.encounter import END, Action
from game.combat.inert import inert
from game.combat.rules import IllegalAction
from game.records.battle import agreement_words
from game.ui.screens.compare import Answer, render_comparison, turn_of
from game.ui.screens.divergence import QUIT, DivergenceScreen
from game.ui.screens.examine import ExamineScreen
from game.ui.screens.fighters import Actions, Choices, Roster
from game.ui.screens.widgets import Banner, DismissOnce, MessageLog
from game.world import examine, fight
from game.world.battle import MODEL, Answered, Battle, Turn, answer
from game.world.deciders import advice, kills
from game.world.run import Run

# how long a monster's turn stays on screen before the next one
TURN_PAUSE = 0.3


def comparison(turn: Turn, raw: bool, model_name: str, model_status: str, hero: str = "") -> RenderableType:
    if not turn.asked_model:
        view = render_comparison(turn.prompt, turn.engine, [], raw=raw, hero=hero)
        return Group(view, Text(f"the model was not asked ({model_status})", "dim italic"))
    answer = Answer(f"MODEL ({model_name})", turn.model, turn.model_valid, turn.model_error, turn.applied == MODEL)
    view = render_comparison(turn.prompt, turn.engine, [answer], engine_applied=turn.applied != MODEL, raw=raw,
                             hero=hero)
    if turn.fallback:
        return Group(view, Text(f"trusted the model, but {turn.fallback}: the rules decided", "bold yellow"))
    return Group(view, margin(turn)) if turn.sure is not None else view


def margin(turn: Turn) -> Text:
    """How close the model came to being wrong: the lowest share it gave its
    own choice at any decision of its answer (floored, so 99.7 % reads 99 %)."""
    sure = int(100 * turn.sure)
    stake = f"  (bet {turn.stake:+d})" if turn.stake else ""
    if turn.close:
        return Text(f"close call: the model was right but only {sure} % sure{stake}", "bold yellow")
    if turn.diverged:
        return Text(f"the model was {sure} % sure of its answer{stake}", "bold red")
    return Text(f"the model was {sure} % sure{stake}", "dim")


class Comparison(Static):
    """One turn's next state from the rules beside the model's."""

    turn: reactive[Turn | None] = reactive(None, layout=True)
    raw = reactive(False, layout=True)
    model_name = reactive("")
    model_status = reactive("")
    hero = reactive("")  # the hero's class, for its row

    def render(self) -> RenderableType:
        if self.turn is None:
            return Text("Each turn, the rules engine and the model both resolve it: their next states "
                        "appear here side by side, every difference lit.", "dim")
        return comparison(self.turn, self.raw, self.model_name, self.model_status, self.hero)


class ComparePanel(VerticalScroll):
    """The comparison's scrolling frame; `z` zooms it to the whole screen."""

    ALLOW_MAXIMIZE = True


class BattleScreen(DismissOnce, Screen[Battle]):
    """One battle, turn by turn; the model's answers shown beside the rules'.
    Dismissed with the finished battle when the player leaves it."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]

    BINDINGS = [
        *(Binding(str(n), f"act({n})", "Act", show=n == 1, key_display="1-7") for n in range(1, 10)),
        Binding("tab", "next_target", "Target"),
        Binding("f", "flee", "Flee", show=False),  # the action list has its line, with the chance and price
        Binding("a", "advise", "Advice", show=False),  # shown from 100 columns (on_resize); at 80 in the help only
        Binding("semicolon", "examine", "Examine", key_display=";"),  # not l: a burst of moves east runs on into a battle
        Binding("r", "toggle_raw", "Raw"),
        Binding("z", "zoom", "Zoom"),
        Binding("left_square_bracket", "browse(-1)", "Prev turn", key_display="[", show=False),
        Binding("right_square_bracket", "browse(1)", "Next turn", key_display="]", show=False),
        Binding("enter,space", "leave", "Continue"),
        Binding("t", "app.toggle_trust", "Trust"),
        Binding("m", "app.messages", "Messages", show=False),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.ask_quit", "Save & quit"),
    ]

    busy = reactive(False)
    raw = reactive(False)
    target = reactive("m1")
    shown = reactive(-1)  # index of the turn in the comparison; -1: the latest

    class Answered(Message):
        """The worker's answer to a prepared turn, for the screen to apply."""

        def __init__(self, answered: Answered):
            super().__init__()
            self.answered = answered

    class Failed(Message):
        def __init__(self, error: str):
            super().__init__()
            self.error = error

    class Ended(Message):
        """The battle is over (won or lost): the app keeps its record."""

        def __init__(self, screen: BattleScreen):
            super().__init__()
            self.screen = screen

    def __init__(self, run: Run, battle: Battle, turn_pause: float = TURN_PAUSE):
        super().__init__()
        self.run_state = run
        self.battle = battle
        self.turn_pause = turn_pause
        self.saved_to: str | None = None
        self.asides: list[tuple[int, str]] = []  # log lines that are no turn (a try to flee), after that many turns
        # one key pressed while a turn plays (type-ahead): taken when the hero
        # can act again, the latest key wins; dropped when the battle ends or
        # a divergence stops play. ("act", n) or ("flee", 0)
        self.queued: tuple[str, int] | None = None
        self.playing: Action | None = None  # the hero's own action while its turn is answered
        # once per battle, whatever keys arrive: the app saves the battle on
        # Ended (and ends it in the run when the screen is dismissed, once: DismissOnce)
        self.ended = False

    def compose(self) -> ComposeResult:
        content = self.battle.content
        yield Banner(id="banner")
        with Vertical(id="battle-body"):
            with Horizontal(id="fighters"):
                yield Roster(content, id="roster")
                yield Actions(content, id="actions")
            with ComparePanel(id="compare"):
                yield Comparison(id="comparison")
        yield MessageLog(id="battle-log")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        # the footer's "1-7" is the class's own count (a warden has 6 actions);
        # Textual keeps a screen's bindings in _bindings, with no public setter
        n = len(self.battle.content.hero.abilities)
        self._bindings.key_to_bindings["1"] = [Binding("1", "act(1)", "Act", key_display=f"1-{n}")]
        self.refresh_bindings()
        self.query_one("#roster").border_title = f"Battle on floor {self.run_state.depth}"
        self.query_one("#actions").border_title = "Your actions"
        self.query_one("#battle-log").border_title = "Battle log"
        living = self.battle.living_monsters()
        self.target = living[0].label if living else "m1"
        self.query_one(Comparison).hero = self.battle.content.hero.name
        self.watch(self.app, "model_name", self.show_model)
        self.show_battle()
        if not self.battle.over and not self.battle.hero_to_act or self.battle.stunned:
            self.next_step()

    def on_screen_resume(self) -> None:
        self.query_one(MessageLog).newest()  # turns may have played under the help or the save box

    def on_screen_suspend(self) -> None:
        # a key typed ahead is not played under the save box, the help or the
        # history: the player stopped to look (a queued ignite once landed under "Save and quit?")
        if self.queued:
            self.queued = None
            self.show_choices()

    def on_resize(self) -> None:
        # the advisor's key in the footer where it has room (80 columns are full; the help has it)
        shown = self.size.width >= 100
        if self._bindings.key_to_bindings["a"][0].show != shown:
            self._bindings.key_to_bindings["a"] = [Binding("a", "advise", "Advice", show=shown)]
            self.refresh_bindings()
        compact = self.size.height < 36 or self.size.width < 120
        self.query_one(Roster).compact = compact
        self.query_one(Actions).compact = compact
        self.show_choices()  # the flee line's price is short on a small screen

    # --- what the widgets show ------------------------------------------------

    def show_model(self, name: str = "") -> None:
        comparison = self.query_one(Comparison)
        comparison.model_name = self.app.model_name
        comparison.model_status = self.app.model.status
        self.show_tally()

    def show_tally(self) -> None:
        compare = self.query_one("#compare")
        compare.border_subtitle = f"agree: battle {self.battle.tally}  run {self.run_tally()}"

    def show_battle(self) -> None:
        b = self.battle
        roster = self.query_one(Roster)
        # a battle fled (or ended) has no one to act and no target: the roster marks neither
        roster.encounter = replace(b.encounter, actor=END) if b.fled else b.encounter
        roster.target = None if b.over else self.target
        self.show_choices()
        self.show_turn()
        lines = []
        for n, turn in enumerate([None, *b.turns]):
            lines += turn.lines if turn else []
            lines += [line for after, line in self.asides if after == n]
        self.query_one(MessageLog).lines = tuple(lines) or ("Choose an action with the number keys.",)
        self.show_tally()
        self.refresh_bindings()

    def show_choices(self) -> None:
        b = self.battle
        if b.over:
            ended = "Victory!" if b.won else "You got away." if b.fled else "You have fallen."
            choices = Choices(ended=ended, saved_to=self.saved_to)
        else:
            waiting = None
            if b.stunned:
                waiting = "you are stunned: your turn passes…"
            elif self.busy or not b.hero_to_act:
                waiting = "the monsters act…" if not b.hero_to_act else "the rules and the model answer…"
            if waiting and self.queued:
                waiting += f"  next: {self.queued_words()}"
            choices = Choices(tuple(b.options(self.target)), tuple(sorted(b.potions.items())), waiting,
                              flee=self.flee_choice())
        self.query_one(Actions).choices = choices

    def queued_words(self) -> str:
        kind, n = self.queued
        if kind == "flee":
            return "f flee"
        options = self.battle.options(self.target)
        if not 1 <= n <= len(options):
            return str(n)
        option = options[n - 1]
        aim = "" if option.action.target == "hero" else f" → {option.action.target}"
        return f"{n} {option.ability.replace('_', ' ')}{aim}"

    def flee_choice(self) -> tuple[str, str, str | None]:
        """The f key's line: the chance, and its price (short on a small screen)."""
        b = self.battle
        odds = b.flee_odds()
        if odds.chance <= 0:
            return "flee", "", fight.no_escape(b.encounter, b.content)
        return fight.flee_label(odds), fight.flee_cost(odds, short=self.query_one(Actions).compact), None

    def show_turn(self) -> None:
        turns = self.battle.turns
        comparison = self.query_one(Comparison)
        compare = self.query_one("#compare")
        if not turns:
            comparison.turn = None
            compare.border_title = "Next state: rules vs model"
            return
        i = len(turns) - 1 if self.shown < 0 else self.shown
        comparison.turn, comparison.raw = turns[i], self.raw
        # numbered by the encounter's turn counter, as the comparison's own line
        # is: a failed try to flee spends a turn no answer was asked for, so
        # the n-th answer is not always turn n ('Turn 3/3' beside 'turn 4')
        number = turn_of(turns[i].prompt) or i + 1
        compare.border_title = (f"Turn {number}: rules vs model" + ("  (raw)" if self.raw else "")
                                + (f"  [ ] other turns ({i + 1} of {len(turns)})" if len(turns) > 1 else ""))

    def watch_busy(self) -> None:
        if self.is_mounted:
            self.show_choices()
            self.refresh_bindings()

    def watch_raw(self) -> None:
        if self.is_mounted:
            self.show_turn()

    def watch_shown(self) -> None:
        if self.is_mounted:
            self.show_turn()

    def watch_target(self, target: str) -> None:
        if self.is_mounted:
            self.query_one(Roster).target = target
            self.show_choices()

    def run_tally(self) -> str:
        run, b = self.run_state.tally, self.battle.tally
        return agreement_words(run.agreed + b.agreed, run.asked + b.asked)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        b = self.battle
        if action in ("act", "flee"):
            # while a turn plays the key waits for the hero's next turn (queue)
            return not b.over and (self.busy or b.hero_to_act and not b.stunned)
        if action == "leave":
            return b.over and not self.busy and not self.dismissed
        if action == "next_target":
            return not b.over
        return True

    # --- keys ----------------------------------------------------------------

    def queue(self, kind: str, n: int = 0) -> None:
        """A key pressed while a turn plays: kept for the hero's next turn."""
        self.queued = (kind, n)
        self.show_choices()

    def action_act(self, n: int) -> None:
        options = self.battle.options(self.target)
        if not 1 <= n <= len(options) or self.battle.over:
            return
        option = options[n - 1]
        b = self.battle
        # typed ahead: only what the next turn cannot change either is said now
        # (a heal at full health may be wanted by then: `wasted` is not asked)
        ahead = self.busy or b.stunned
        why = b.why_not(option.action, self.playing, b.hero_to_act or b.stunned) if ahead else option.why
        if why:
            self.aside(f"Not now: {option.ability.replace('_', ' ')}, {why}.")
        elif ahead:
            self.queue("act", n)
        else:
            self.take_turn(option.action)

    def action_flee(self) -> None:
        """Run for it: the game rolls the chance (not the template); a failed
        try gives the monsters their turns."""
        b = self.battle
        if b.over:
            return
        if self.busy or not b.hero_to_act or b.stunned:
            if b.flee_odds().chance <= 0:  # never, whoever acts: said now, a queued key kept
                self.aside(f"You cannot flee: {fight.no_escape(b.encounter, b.content)}.")
            else:
                self.queue("flee")
            return
        said = len(self.run_state.log)
        self.run_state.flee()
        self.aside(*self.run_state.log[said:])
        self.next_step()

    def action_advise(self) -> None:
        """The advisor's pick for this turn (loaded the first time it is asked);
        the player still chooses."""
        b = self.battle
        if self.busy or b.over or not b.hero_to_act or b.stunned:
            return
        deciders = getattr(self.app, "deciders", None)
        if deciders is None:
            self.notify("No advisor: the specialists were not given to this game.", severity="warning", timeout=4)
            return
        try:
            action = advice(deciders, b)
        except Exception as exc:  # noqa: BLE001 - a missing or broken specialist: said, the battle goes on
            self.notify(inert(f"The advisor cannot answer: {exc}", lines=False), severity="warning", timeout=5,
                        markup=False)
            return
        retarget = action.target != "hero" and action.target != self.target
        if retarget:  # its key must act on the monster it names: that monster becomes the target
            self.target = action.target
        key = next((o.key for o in b.options(action.target if action.target != "hero" else None)
                    if o.ability == action.ability), "?")
        target = "" if action.target == "hero" else f" on the {b.encounter.get(action.target).kind} ({action.target})"
        target += ", sure to kill it if it hits" if kills(action, b) else ""
        target += ", now your target" if retarget else ""
        said = f"The advisor suggests {action.ability.replace('_', ' ')}{target}: key {key}."
        self.run_state.say(said)  # in the message history (m) too, as the turns' lines are
        self.aside(said)

    def aside(self, *lines: str) -> None:
        """Lines in the battle log that are no turn (a greyed key's reason, a
        try to flee, the advisor's pick): in the log, not a toast, which at
        80x24 covers the log's last lines."""
        self.asides += [(len(self.battle.turns), line) for line in lines]
        self.show_battle()

    def action_examine(self) -> None:
        """The monsters of the battle (and you) in words: abilities in full at any size."""
        self.app.push_screen(ExamineScreen(examine.in_battle(self.battle)))

    def action_next_target(self) -> None:
        living = [m.label for m in self.battle.living_monsters()]
        if living:
            i = living.index(self.target) if self.target in living else -1
            self.target = living[(i + 1) % len(living)]

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw

    def action_zoom(self) -> None:
        if self.maximized is None:
            self.maximize(self.query_one("#compare"), container=False)
        else:
            self.minimize()

    def action_browse(self, step: int) -> None:
        n = len(self.battle.turns)
        if n:
            i = (n - 1 if self.shown < 0 else self.shown) + step
            self.shown = -1 if i >= n - 1 else max(0, i)

    def action_leave(self) -> None:
        if self.battle.over:
            self.dismiss(self.battle)  # once, however often Enter is pressed

    # --- a turn: prepare here, answer in a worker, apply here -------------------

    def take_turn(self, action: Action | None) -> None:
        """Prepare the turn of whoever acts (a monster chooses when `action`
        is None) and hand it to the worker."""
        try:
            prepared = self.battle.prepare(action, self.app.trust_model)
        except IllegalAction as exc:
            self.busy = False
            self.notify(str(exc), severity="warning")
            return
        self.playing = action if self.battle.hero_to_act and not self.battle.stunned else None
        self.busy = True
        self.answer_turn(prepared)

    @work(thread=True, exclusive=True, group="battle")
    def answer_turn(self, prepared) -> None:
        b = self.battle
        try:
            answered = answer(prepared, b.engine, b.model, b.content)
        except Exception as exc:  # noqa: BLE001 - never a traceback on the player's screen
            self.post_message(self.Failed(f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.Answered(answered))

    def on_battle_screen_failed(self, message: Failed) -> None:
        self.queued = self.playing = None
        self.busy = False
        self.notify(f"the turn failed: {message.error}", severity="error")

    def on_battle_screen_answered(self, message: Answered) -> None:
        self.playing = None
        try:
            turn = self.battle.apply(message.answered)
        except IllegalAction:  # prepared for a state this battle has left (a continued run): drop it
            return
        for line in turn.lines:
            self.run_state.say(line)
        self.shown = -1
        living = [m.label for m in self.battle.living_monsters()]
        if living and self.target not in living:
            self.target = living[0]
        self.app.stakes = self.run_state.stakes  # the bet moves turn by turn, not only when the battle ends
        self.show_battle()
        if turn.diverged:
            self.queued = None  # the player reads the divergence before playing on
            self.app.push_screen(DivergenceScreen(turn, self.app.model_name, self.battle.content,
                                                  self.run_state.mistakes),
                                 self.after_divergence)
        else:
            self.next_step()

    async def after_divergence(self, choice: str | None) -> None:
        if choice == QUIT:
            await self.run_action("app.suspend")
        else:
            self.next_step()

    def next_step(self) -> None:
        """After a turn: the battle's end, the monsters' turns, a stunned
        hero's turn passing by itself, or the hero's choice."""
        b = self.battle
        if b.over:
            self.queued = None
            self.busy = False
            if not self.ended:
                self.ended = True
                self.post_message(self.Ended(self))
        elif not b.hero_to_act:
            self.busy = True
            if self.turn_pause:
                self.set_timer(self.turn_pause, lambda: self.take_turn(None))
            else:
                self.take_turn(None)
        elif b.stunned:
            self.busy = True
            self.show_choices()
            self.set_timer(max(self.turn_pause, 0.01), lambda: self.take_turn(b.passing_action()))
        else:
            self.busy = False
            if self.queued and self.is_current:
                (kind, n), self.queued = self.queued, None
                self.action_act(n) if kind == "act" else self.action_flee()

    def show_saved(self, shown: str | None) -> None:
        self.saved_to = shown
        self.show_choices()
