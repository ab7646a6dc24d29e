"""A mapped netlist read as a combinational AIG without Yosys, for the equivalence stage.

Yosys takes seconds per 10 000 cells to read a netlist with its cells' functions, flatten it and
map it to an AIG (about 6.5 s of a 20 000-cell multiplier's proof); reading here takes a fraction
of that. The reader knows the subset ``write_verilog -noattr -noexpr`` writes for a flat mapped
module (port and wire declarations, cell instances with named pins, assignments of bits, slices,
concatenations and constants) and the cell functions of the liberty (``function`` of each output
pin). Anything else (a flip-flop or latch, a tri-state pin, an expression, a second module, a cell
the liberty lacks, a net driven twice, a loop) gives None, and the caller asks Yosys instead.

Conventions follow Yosys's ``write_aiger -map -symbols``: an input bit is named by its port and its
declared index, an output by its port and its position from 0 (``y[0]`` for ``output [8:1] y``'s
first bit), or by its port alone when one bit wide. Undriven bits and ``x``/``z`` constants are free
inputs of their own, so a proof holds for every value they could take.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from objectives.aiger import Aig, folded_and
from objectives.technology import liberty_cells, liberty_group

# An escaped identifier may hold "//" or "/*": tokens are matched from the left, comments among them.
_TOKEN = re.compile(r"\\\S+|/\*.*?\*/|//[^\n]*|[A-Za-z_][\w$]*|\d+'[bB][01xXzZ]+|\d+|[()\[\]{}.,;:=]|\S", re.S)
_PIN = re.compile(r"\bpin\s*\(\s*\"?([\w$]+)\"?\s*\)\s*\{")
# Larger netlists (about 160 000 cells and up) go to Yosys, in the sandbox under its memory limit:
# reading runs in rtlbo's own process.
MAX_NETLIST_CHARS = 16 << 20
_STATE = re.compile(r"\b(ff|latch|ff_bank|latch_bank|statetable|bus|bundle)\s*\(")


class Unsupported(Exception):
    """The netlist leaves the subset read here."""


@dataclass(frozen=True)
class GateAig:
    """A netlist as an AIG, with ``inputs`` as ``write_aiger -map`` gives them: ``{(port, declared
    bit index): AIG input index}`` (free inputs for undriven bits are not named)."""

    aig: Aig
    inputs: dict[tuple[str, int], int]


def netlist_aig(netlist: str, top: str, liberty: Path) -> GateAig | None:
    """Return the combinational AIG of module ``top`` of ``netlist`` with the cells of ``liberty``,
    or None when the netlist is not one this reader knows (see the module's docstring) or is
    larger than ``MAX_NETLIST_CHARS``."""
    if len(netlist) > MAX_NETLIST_CHARS:
        return None
    try:
        return _Reader(liberty_functions(liberty.read_text(errors="replace"))).read(netlist, top)
    except (Unsupported, ValueError, IndexError, RecursionError):  # malformed: Yosys says how
        return None


@functools.lru_cache(maxsize=4)
def liberty_functions(liberty: str) -> dict[str, dict[str, str] | None]:
    """Return ``{cell: {output pin: function}}`` of the combinational cells of the ``liberty``
    text, and ``{cell: None}`` for the others (state, tri-state, output pins without a function)."""
    cells: dict[str, dict[str, str] | None] = {}
    for cell, body in liberty_cells(liberty).items():
        outputs: dict[str, str] | None = {}
        for pin in _PIN.finditer(body):
            attributes = liberty_group(body, pin.end())
            if not re.search(r"\bdirection\s*:\s*\"?output", attributes):
                continue
            function = re.search(r"\bfunction\s*:\s*\"([^\"]*)\"", attributes)
            if function is None or re.search(r"\bthree_state\s*:", attributes):
                outputs = None
                break
            outputs[pin.group(1)] = function.group(1)
        cells[cell] = outputs if outputs and not _STATE.search(body) else None
    return cells


@functools.lru_cache(maxsize=256)
def parse_function(text: str) -> tuple:
    """Return a liberty ``function`` as a tree of ("var", pin), ("const", 0|1), ("not", a) and
    ("and"|"or"|"xor", a, b); precedence from highest: ``!``/``'``, ``^``, AND (``&``, ``*``,
    juxtaposition), OR (``|``, ``+``)."""
    tokens = re.findall(r"[A-Za-z_][\w]*|[01]|[!'&*|+^()]", text)
    if "".join(tokens) != re.sub(r"\s+", "", text):
        raise Unsupported(f"function {text!r}")
    position = 0

    def peek() -> str:
        return tokens[position] if position < len(tokens) else ""

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def either() -> tuple:
        node = both()
        while peek() in ("|", "+"):
            take()
            node = ("or", node, both())
        return node

    def both() -> tuple:
        node = differ()
        while peek() in ("&", "*") or peek() == "(" or peek() == "!" or re.fullmatch(r"\w+", peek()):
            if peek() in ("&", "*"):
                take()
            node = ("and", node, differ())
        return node

    def differ() -> tuple:
        node = unary()
        while peek() == "^":
            take()
            node = ("xor", node, unary())
        return node

    def unary() -> tuple:
        if peek() == "!":
            take()
            return ("not", unary())
        token = take() if peek() else ""
        if token == "(":
            node = either()
            if (take() if peek() else "") != ")":
                raise Unsupported(f"function {text!r}")
        elif token in ("0", "1"):
            node = ("const", int(token))
        elif re.fullmatch(r"[A-Za-z_]\w*", token):
            node = ("var", token)
        else:
            raise Unsupported(f"function {text!r}")
        while peek() == "'":
            take()
            node = ("not", node)
        return node

    tree = either()
    if position != len(tokens):
        raise Unsupported(f"function {text!r}")
    return tree


@functools.lru_cache(maxsize=256)
def _variables(tree: tuple) -> frozenset[str]:
    """Return the pins a function tree reads."""
    if tree[0] == "var":
        return frozenset((tree[1],))
    return frozenset().union(*(_variables(child) for child in tree[1:] if isinstance(child, tuple)))


def _split(tokens: list[str]) -> list[list[str]]:
    """Split ``tokens`` at the commas outside brackets."""
    parts, current, depth = [], [], 0
    for token in tokens:
        depth += (token in "({[") - (token in ")}]") if len(token) == 1 else 0
        if token == "," and depth == 0:
            parts.append(current)
            current = []
        else:
            current.append(token)
    return [*parts, current] if current or parts else []


def _unescape(name: str) -> str:
    """Return a Verilog identifier as Yosys names it (an escaped one without its backslash)."""
    return name[1:] if name.startswith("\\") else name


def _escape(name: str) -> str:
    """Return ``name`` as ``write_verilog`` writes it."""
    return name if re.fullmatch(r"[A-Za-z_][\w$]*", name) else "\\" + name


class _Output(NamedTuple):
    """The output pin ``pin`` of instance ``index``: a net's driver."""

    index: int
    pin: str


class _Reader:
    """One netlist read: nets are (name, declared index) bits, each with one driver: a bit, a
    constant (0, 1, or None for x and z) or a cell's output pin."""

    def __init__(self, cells: dict[str, dict[str, str] | None]):
        self.cells = cells
        self.ranges: dict[str, tuple[int, int]] = {}  # name: (msb, lsb), msb >= lsb
        self.ports: dict[str, str] = {}  # name: input or output, in declared order
        self.drivers: dict[tuple[str, int], object] = {}
        self.instances: list[tuple[str, dict[str, list]]] = []  # cell type, {pin: its bits}
        self.nodes: list[tuple[int, int] | None] = []  # AND gates and free inputs (None), in order
        self.strash: dict[tuple[int, int], int] = {}
        self.named = 0

    def read(self, netlist: str, top: str) -> GateAig:
        """Parse ``netlist`` and return its module ``top`` as an AIG."""
        statements, current = [], []
        for token in _TOKEN.findall(netlist):
            if token.startswith(("/*", "//")):
                continue
            if token == "endmodule" and not current:
                statements.append([token])
            elif token == ";":
                statements.append(current)
                current = []
            else:
                current.append(token)
        modules = [s for s in statements if s[:1] == ["module"]]
        if current or len(modules) != 1 or statements[0][:2] != ["module", _escape(top)] or not all(statements):
            raise Unsupported("one module, the top")
        for statement in statements[1:]:
            self.statement(statement)
        return self.build()

    def statement(self, tokens: list[str]) -> None:
        """Take one statement of the module's body."""
        head = tokens[0]
        if head == "endmodule":
            return
        if head in ("input", "output", "wire"):
            self.declare(head, tokens[1:])
        elif head == "assign" and "=" in tokens:
            equals = tokens.index("=")
            target, source = self.bits(tokens[1:equals]), self.bits(tokens[equals + 1:])
            if len(target) != len(source):
                raise Unsupported("an assignment of two widths")
            for bit, value in zip(target, source, strict=True):
                self.drive(bit, value)
        else:
            self.instance(head, tokens)

    def declare(self, kind: str, tokens: list[str]) -> None:
        """Take a declaration of ``kind`` (input, output, wire) of ``tokens``: a range, names."""
        msb = lsb = 0
        if tokens[:1] == ["["]:
            if len(tokens) < 5 or tokens[2] != ":" or tokens[4] != "]":
                raise Unsupported("a range")
            msb, lsb, tokens = int(tokens[1]), int(tokens[3]), tokens[5:]
        if msb < lsb or not tokens or any(t != "," for t in tokens[1::2]):
            raise Unsupported("a declaration")
        for name in map(_unescape, tokens[::2]):
            if self.ranges.setdefault(name, (msb, lsb)) != (msb, lsb):
                raise Unsupported("a name declared twice, differently")
            if kind != "wire":
                self.ports[name] = kind

    def instance(self, cell: str, tokens: list[str]) -> None:
        """Take an instance of ``cell``: ``cell name ( .pin(bits), ... )``."""
        functions = self.cells.get(cell)
        if functions is None or len(tokens) < 4 or tokens[2] != "(" or tokens[-1] != ")":
            raise Unsupported(f"statement {cell}")
        pins: dict[str, list] = {}
        for connection in _split(tokens[3:-1]):
            if len(connection) < 4 or connection[0] != "." or connection[2] != "(" or connection[-1] != ")":
                raise Unsupported("a pin connection")
            pins[connection[1]] = self.bits(connection[3:-1]) if len(connection) > 4 else []
            if len(pins[connection[1]]) > 1:
                raise Unsupported("a pin of several bits")
        self.instances.append((cell, pins))
        for pin in functions:
            for bit in pins.get(pin, []):
                self.drive(bit, _Output(len(self.instances) - 1, pin))

    def bits(self, tokens: list[str]) -> list:
        """Return the bits of an expression, MSB first."""
        if len(tokens) > 1 and tokens[0] == "{" and tokens[-1] == "}":
            return [bit for part in _split(tokens[1:-1]) for bit in self.bits(part)]
        if len(tokens) == 1 and "'" in tokens[0]:
            width, digits = tokens[0].split("'")
            digits = digits[1:].lower().rjust(int(width), "0")[-int(width):]
            return [{"0": 0, "1": 1}.get(d) for d in digits]
        name = _unescape(tokens[0]) if tokens else ""
        if name not in self.ranges:
            raise Unsupported(f"an undeclared name {name}")
        msb, lsb = self.ranges[name]
        if len(tokens) == 1:
            high, low = msb, lsb
        elif len(tokens) == 4 and tokens[1] == "[" and tokens[3] == "]":
            high = low = int(tokens[2])
        elif len(tokens) == 6 and tokens[1] == "[" and tokens[3] == ":" and tokens[5] == "]":
            high, low = int(tokens[2]), int(tokens[4])
        else:
            raise Unsupported("an expression")
        if not lsb <= low <= high <= msb:
            raise Unsupported("an index out of range")
        return [(name, i) for i in range(high, low - 1, -1)]

    def drive(self, bit, value) -> None:
        """Record ``value`` as the one driver of ``bit``."""
        if not isinstance(bit, tuple) or bit in self.drivers or self.ports.get(bit[0]) == "input":
            raise Unsupported("a constant, an input or a net driven twice")
        self.drivers[bit] = value

    # -- the AIG: literals 2 * variable + negation; variables 1..named are the ports' input bits,
    #    then the nodes (AND gates and free inputs), renumbered by build() into AIGER's order.

    def node(self, gate: tuple[int, int] | None) -> int:
        """Return the literal of a new node."""
        self.nodes.append(gate)
        return 2 * (self.named + len(self.nodes))

    def and_(self, a: int, b: int) -> int:
        """Return the literal of a AND b (folded, and hashed so that one pair makes one gate)."""
        if (known := folded_and(a, b)) is not None:
            return known
        key = (max(a, b), min(a, b))
        if key not in self.strash:
            self.strash[key] = self.node(key)
        return self.strash[key]

    def function(self, tree: tuple, pins: dict[str, int]) -> int:
        """Return the literal of a function tree over the literals of ``pins``."""
        kind = tree[0]
        if kind == "var":
            return pins[tree[1]]
        if kind == "const":
            return tree[1]
        if kind == "not":
            return self.function(tree[1], pins) ^ 1
        a, b = self.function(tree[1], pins), self.function(tree[2], pins)
        if kind == "and":
            return self.and_(a, b)
        if kind == "or":
            return self.and_(a ^ 1, b ^ 1) ^ 1
        return self.and_(self.and_(a, b ^ 1) ^ 1, self.and_(a ^ 1, b) ^ 1) ^ 1

    def sources(self, bit) -> list:
        """Return the net bits the value of net ``bit`` is computed from."""
        driver = self.drivers.get(bit)
        if isinstance(driver, _Output):
            cell, pins = self.instances[driver.index]
            reads = _variables(parse_function(self.cells[cell][driver.pin]))
            return [b for pin in reads for b in pins.get(pin, []) if isinstance(b, tuple)]
        return [driver] if isinstance(driver, tuple) else []

    def value(self, bit, literals: dict) -> int:
        """Return the literal of net ``bit``, given those of its ``sources``."""
        driver = self.drivers.get(bit)
        if isinstance(driver, _Output):
            cell, pins = self.instances[driver.index]
            tree = parse_function(self.cells[cell][driver.pin])
            return self.function(tree, {pin: self.constant((pins.get(pin) or [None])[0], literals)
                                        for pin in _variables(tree)})
        return self.constant(driver, literals)

    def constant(self, value, literals: dict) -> int:
        """Return the literal of a bit, a constant, or an x (a free input)."""
        if isinstance(value, tuple):
            return literals[value]
        return value if value in (0, 1) else self.node(None)

    def resolve(self, root, literals: dict) -> int:
        """Return the literal of net ``root``, resolving what it depends on first (no recursion:
        a ripple of thousands of cells is as deep)."""
        stack, expanded = [root], set()
        while stack:
            bit = stack[-1]
            if bit in literals:
                stack.pop()
                continue
            missing = [b for b in self.sources(bit) if b not in literals]
            if missing and bit in expanded:
                raise Unsupported("a combinational loop")
            if missing:
                expanded.add(bit)
                stack.extend(missing)
                continue
            literals[bit] = self.value(bit, literals)
            stack.pop()
        return literals[root]

    def build(self) -> GateAig:
        """Return the AIG: the ports' input bits first (in declared order), then free inputs."""
        named = [(name, i) for name, kind in self.ports.items() if kind == "input"
                 for i in range(self.ranges[name][1], self.ranges[name][0] + 1)]
        self.named = len(named)
        literals: dict = {bit: 2 * (k + 1) for k, bit in enumerate(named)}
        outputs, names = [], []
        for name, kind in self.ports.items():
            msb, lsb = self.ranges[name]
            for position, i in enumerate(range(lsb, msb + 1) if kind == "output" else ()):
                outputs.append(self.resolve((name, i), literals))
                names.append(name if msb == lsb else f"{name}[{position}]")
        free = sum(n is None for n in self.nodes)
        variable = list(range(self.named + 1))
        gates, next_free = [], self.named + 1
        for node in self.nodes:
            variable.append(next_free if node is None else self.named + free + 1 + len(gates))
            if node is None:
                next_free += 1
            else:
                gates.append(node)

        def moved(literal: int) -> int:
            return 2 * variable[literal >> 1] | (literal & 1)

        aig = Aig(self.named + free, tuple(map(moved, outputs)),
                  tuple((moved(a), moved(b)) for a, b in gates), tuple(names))
        return GateAig(aig, {bit: k for k, bit in enumerate(named)})
