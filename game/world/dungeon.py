"""Floors of the dungeon: rooms and corridors on a grid, stairs, the monsters
and items lying on it, and what the hero has seen.

A floor is a pure function of (run seed, depth): the same seed gives the same
dungeon however the hero plays. Only `Floor` mutates during play (monsters
step and die, items are picked up, tiles get explored); it is plain data and
round-trips through `to_dict` / `from_dict` for the suspended run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from game.combat.content import Content, default
from game.combat.encounter import Status
from game.records.fields import written
from game.records.run import GROUND, STAIRS, WALL, FloorRecord  # the tiles as a saved floor holds them
from game.world import fight

WIDTH, HEIGHT = 60, 21
SIGHT = 8

Point = tuple[int, int]


@dataclass
class Monster:
    id: int
    kind: str
    x: int
    y: int
    awake: bool = False
    hp: int | None = None  # wounds kept from a battle the hero fled (None: unhurt)
    lost: int = 0  # moves before it picks up the trail of a hero that fled it
    # the rest of what a fled battle left it with, met again in the next one
    mp: int | None = None
    statuses: tuple[Status, ...] = ()
    cooldowns: tuple[tuple[str, int], ...] = ()

    @property
    def pos(self) -> Point:
        return (self.x, self.y)


@dataclass
class Item:
    kind: str
    x: int
    y: int

    @property
    def pos(self) -> Point:
        return (self.x, self.y)


@dataclass(frozen=True)
class Room:
    x1: int
    y1: int
    x2: int  # exclusive
    y2: int

    @property
    def center(self) -> Point:
        return ((self.x1 + self.x2) // 2, (self.y1 + self.y2) // 2)

    def cells(self) -> list[Point]:
        return [(x, y) for y in range(self.y1, self.y2) for x in range(self.x1, self.x2)]

    def overlaps(self, other: Room) -> bool:
        return self.x1 - 1 <= other.x2 and other.x1 - 1 <= self.x2 and self.y1 - 1 <= other.y2 and other.y1 - 1 <= self.y2


@dataclass
class Floor:
    depth: int
    tiles: list[list[str]]
    start: Point
    last: bool = False  # the boss's floor: no stairs down
    monsters: list[Monster] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    explored: set[Point] = field(default_factory=set)
    visible: set[Point] = field(default_factory=set)
    # `frontier` by the size of `explored` (which only grows): walking asks often
    seen_edge: tuple[int, frozenset] = field(default=(-1, frozenset()), repr=False, compare=False)

    @property
    def width(self) -> int:
        return len(self.tiles[0])

    @property
    def height(self) -> int:
        return len(self.tiles)

    def tile(self, p: Point) -> str:
        x, y = p
        if 0 <= x < self.width and 0 <= y < self.height:
            return self.tiles[y][x]
        return WALL

    def walkable(self, p: Point) -> bool:
        return self.tile(p) != WALL

    def monster_at(self, p: Point) -> Monster | None:
        return next((m for m in self.monsters if m.pos == p), None)

    def item_at(self, p: Point) -> Item | None:
        return next((i for i in self.items if i.pos == p), None)

    def see_from(self, eye: Point, radius: int = SIGHT) -> None:
        """Field of view: every cell with a clear line from `eye` within
        `radius`; what is seen is remembered in `explored`."""
        ex, ey = eye
        seen = {eye}
        for y in range(ey - radius, ey + radius + 1):
            for x in range(ex - radius, ex + radius + 1):
                if (x - ex) ** 2 + (y - ey) ** 2 > radius * radius + radius:
                    continue
                if 0 <= x < self.width and 0 <= y < self.height and _clear_line(self, eye, (x, y)):
                    seen.add((x, y))
        self.visible = seen
        self.explored |= seen

    # --- the suspended run -------------------------------------------------

    def to_dict(self) -> dict:
        return written(
            FloorRecord,
            depth=self.depth,
            tiles=["".join(row) for row in self.tiles],
            start=list(self.start),
            last=self.last,
            monsters=[[m.id, m.kind, m.x, m.y, m.awake, m.hp, m.lost, _kept(m)] for m in self.monsters],
            items=[[i.kind, i.x, i.y] for i in self.items],
            explored=sorted([x, y] for x, y in self.explored),
        )

    @classmethod
    def from_dict(cls, d: dict) -> Floor:
        return cls(
            depth=int(d["depth"]),
            tiles=[list(row) for row in d["tiles"]],
            start=(int(d["start"][0]), int(d["start"][1])),
            last=bool(d.get("last", False)),
            monsters=[_monster(row) for row in d["monsters"]],
            items=[Item(str(k), int(x), int(y)) for k, x, y in d["items"]],
            explored={(int(x), int(y)) for x, y in d["explored"]},
        )


def _kept(m: Monster) -> list | None:
    """[mp, statuses, cooldowns] a fled battle left the monster with, or None."""
    if m.mp is None and not m.statuses and not m.cooldowns:
        return None
    return [m.mp, [[s.name, s.turns, s.power] for s in m.statuses], [[a, n] for a, n in m.cooldowns]]


def _monster(row: list) -> Monster:
    i, kind, x, y, awake, *rest = row  # a version-1 run has no hp and lost; version 2 nothing kept
    hp, lost, kept = (*rest, None) if len(rest) == 2 else rest if rest else (None, 0, None)
    m = Monster(int(i), str(kind), int(x), int(y), bool(awake), None if hp is None else int(hp), int(lost))
    if kept:
        mp, statuses, cooldowns = kept
        m.mp = None if mp is None else int(mp)
        m.statuses = tuple(Status(str(n), int(t), int(p)) for n, t, p in statuses)
        m.cooldowns = tuple((str(a), int(n)) for a, n in cooldowns)
    return m


def _clear_line(floor: Floor, a: Point, b: Point) -> bool:
    """Bresenham from a to b: walls stop sight, but the wall itself is seen."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    while (x0, y0) != (x1, y1):
        if (x0, y0) != a and floor.tiles[y0][x0] == WALL:
            return False
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy
    return True


def _carve(tiles: list[list[str]], cells) -> None:
    for x, y in cells:
        tiles[y][x] = GROUND


def _tunnel(a: Point, b: Point, rng: random.Random) -> list[Point]:
    """An L-shaped corridor, bending one way or the other."""
    (x1, y1), (x2, y2) = a, b
    corner = (x2, y1) if rng.random() < 0.5 else (x1, y2)
    out = []
    for (ax, ay), (bx, by) in ((a, corner), (corner, b)):
        for x in range(min(ax, bx), max(ax, bx) + 1):
            for y in range(min(ay, by), max(ay, by) + 1):
                out.append((x, y))
    return out


def generate(seed: int, depth: int, content: Content | None = None, width: int = WIDTH, height: int = HEIGHT) -> Floor:
    """The floor at `depth` of the run with `seed`."""
    content = content or default()
    rng = random.Random(f"pico-rogue floor {seed} {depth}")
    tiles = [[WALL] * width for _ in range(height)]
    rooms: list[Room] = []
    for _ in range(60):
        if len(rooms) >= 9:
            break
        w, h = rng.randint(5, 11), rng.randint(3, 6)
        x, y = rng.randint(1, width - w - 1), rng.randint(1, height - h - 1)
        room = Room(x, y, x + w, y + h)
        if any(room.overlaps(r) for r in rooms):
            continue
        _carve(tiles, room.cells())
        if rooms:
            _carve(tiles, _tunnel(rooms[-1].center, room.center, rng))
        rooms.append(room)

    floor = Floor(depth, tiles, rooms[0].center, last=depth >= content.descent.floors)
    last = rooms[-1]
    if not floor.last:
        sx, sy = last.center
        tiles[sy][sx] = STAIRS

    taken = {floor.start, last.center}
    next_id = 1

    def free_cell(room: Room) -> Point | None:
        cells = [p for p in room.cells() if p not in taken]
        return rng.choice(cells) if cells else None

    def place_group(kinds: list[str], room: Room) -> None:
        nonlocal next_id
        anchor = free_cell(room)
        if anchor is None:
            return
        beside = [p for p in room.cells() if p not in taken and max(abs(p[0] - anchor[0]), abs(p[1] - anchor[1])) == 1]
        spots = [anchor, *sorted(beside, key=lambda p: (p[1], p[0]))]
        for kind, (x, y) in zip(kinds, spots, strict=False):
            floor.monsters.append(Monster(next_id, kind, x, y))
            taken.add((x, y))
            next_id += 1

    if floor.last:
        bx, by = last.center
        floor.monsters.append(Monster(next_id, content.boss.name, bx, by))
        next_id += 1
    descent = content.descent
    for _ in range(descent.groups + descent.groups_per_floor * (depth - 1)):
        place_group(fight.kinds(depth, rng, content), rng.choice(rooms[1:] or rooms))

    findable = [k for k, i in content.items.items() if i.find]
    weights = [content.items[k].find for k in findable]
    for _ in range(rng.randint(*descent.items) if findable else 0):
        kind = rng.choices(findable, weights)[0]
        room = rng.choice(rooms)
        p = free_cell(room)
        if p:
            floor.items.append(Item(kind, *p))
            taken.add(p)
    floor.see_from(floor.start)
    return floor


def step_towards(floor: Floor, m: Monster, goal: Point, blocked: set[Point]) -> Point:
    """The cell a chasing monster moves to: the free neighbour nearest `goal`."""
    best, best_d = m.pos, max(abs(m.x - goal[0]), abs(m.y - goal[1]))
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            p = (m.x + dx, m.y + dy)
            if p == m.pos or not floor.walkable(p) or p in blocked:
                continue
            d = max(abs(p[0] - goal[0]), abs(p[1] - goal[1]))
            d2 = (p[0] - goal[0]) ** 2 + (p[1] - goal[1]) ** 2
            if (d, d2) < (best_d, (best[0] - goal[0]) ** 2 + (best[1] - goal[1]) ** 2):
                best, best_d = p, d
    return best


NEIGHBOURS = [(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dx or dy]
STEP_ORDER = sorted(NEIGHBOURS, key=lambda d: abs(d[0]) + abs(d[1]))  # straight before diagonal


def path(floor: Floor, start: Point, goals: set[Point], blocked: set[Point] = frozenset()) -> list[Point]:
    """The shortest walk from `start` to the nearest of `goals` over cells the
    hero has seen (the first step first; [] when none can be reached).
    Straight steps are tried before diagonal ones, so walks look natural."""
    tiles, explored = floor.tiles, floor.explored
    width, height = floor.width, floor.height
    came: dict[Point, Point | None] = {start: None}
    todo = [start]
    for p in todo:  # breadth first: `todo` grows as it is read
        if p in goals and p != start:
            steps = []
            while p != start:
                steps.append(p)
                p = came[p]
            return steps[::-1]
        x, y = p
        for dx, dy in STEP_ORDER:
            q = (x + dx, y + dy)
            if q in came or q not in explored or not (0 <= q[0] < width and 0 <= q[1] < height):
                continue
            if tiles[q[1]][q[0]] == WALL or q in blocked and q not in goals:
                continue
            came[q] = p
            todo.append(q)
    return []


def frontier(floor: Floor) -> frozenset[Point]:
    """Seen floor cells beside cells never seen: where exploring goes next."""
    if floor.seen_edge[0] == len(floor.explored):
        return floor.seen_edge[1]
    tiles, explored = floor.tiles, floor.explored
    width, height = floor.width, floor.height
    out = set()
    for x, y in explored:
        if tiles[y][x] == WALL:
            continue
        for dx, dy in NEIGHBOURS:
            q = (x + dx, y + dy)
            if q not in explored and 0 <= q[0] < width and 0 <= q[1] < height:
                out.add((x, y))
                break
    floor.seen_edge = (len(explored), frozenset(out))
    return floor.seen_edge[1]


def stairs(floor: Floor) -> Point | None:
    """Where the stairs down are, once the hero has seen them."""
    return next(((x, y) for x, y in floor.explored if floor.tiles[y][x] == STAIRS), None)
