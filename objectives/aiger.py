"""Combinational AIGs in binary AIGER: the miter of two designs, and its exhaustive simulation, a
complete proof for few inputs.

SAT sweeping (ABC ``&cec``) is slow on multipliers, whose miters are hard for SAT, yet a miter
with n inputs is decided outright by simulating all 2^n input vectors, 64 to a machine word. That
pays off while the gates times 2^n stay small (:data:`EXHAUSTIVE_WORK`): an 8×8 multiplier's miter
(16 inputs) takes milliseconds here against seconds for ``&cec``.

The miter is built here rather than by Yosys, whose flattening of a miter instantiating both designs
costs seconds per 10 000 cells: each side is written as an AIG on its own (two processes, one core
each) and :func:`miter` joins them, gate by gate, in a fraction of a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXHAUSTIVE_WORK = 1 << 35  # AND gates × input vectors simulated at most (about a second)
CHUNK_BITS = 16  # input vectors per simulation pass: 2^16, 1024 words per signal
ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
# Bit j of the vector index, within one 64-bit word, for the inputs j < 6.
WORD_PATTERNS = [np.uint64(p) for p in (0xAAAA_AAAA_AAAA_AAAA, 0xCCCC_CCCC_CCCC_CCCC, 0xF0F0_F0F0_F0F0_F0F0,
                                         0xFF00_FF00_FF00_FF00, 0xFFFF_0000_FFFF_0000, 0xFFFF_FFFF_0000_0000)]


@dataclass(frozen=True)
class Aig:
    """A combinational AIG: ``inputs`` inputs, the literals of its outputs, and its AND gates as
    (left, right) literal pairs in order (gate k defines variable inputs + 1 + k)."""

    inputs: int
    outputs: tuple[int, ...]
    gates: tuple[tuple[int, int], ...]
    output_names: tuple[str, ...] = ()  # from the file's symbol table, when it names every output

    @property
    def output(self) -> int:
        """The literal of the first output (a miter's only one)."""
        return self.outputs[0]


def read_aiger(path: Path) -> Aig | None:
    """Return the AIG of a binary AIGER file, or None when it is not one without latches and with
    an output."""
    data = path.read_bytes()
    end = data.index(b"\n")
    kind, _, inputs, latches, outputs, ands = data[:end].split()[:6]
    if kind != b"aig" or int(latches) or not int(outputs):
        return None
    position = end + 1
    literals = []
    for _ in range(int(outputs)):
        end = data.index(b"\n", position)
        literals.append(int(data[position:end]))
        position = end + 1
    gates = []
    for k in range(int(ands)):
        lhs = 2 * (int(inputs) + 1 + k)
        delta0, position = _varint(data, position)
        delta1, position = _varint(data, position)
        gates.append((lhs - delta0, lhs - delta0 - delta1))
    symbols = ("\n" + data[position:].decode(errors="replace")).split("\nc\n")[0]  # comments follow
    names = dict(line.split(" ", 1) for line in symbols.split("\n") if line.startswith("o") and " " in line)
    output_names = tuple(names.get(f"o{k}", "") for k in range(len(literals)))
    return Aig(int(inputs), tuple(literals), tuple(gates), output_names if all(output_names) else ())


def write_aiger(aig: Aig) -> bytes:
    """Return ``aig`` as a binary AIGER file."""
    top = aig.inputs + len(aig.gates)
    out = bytearray(f"aig {top} {aig.inputs} 0 {len(aig.outputs)} {len(aig.gates)}\n".encode())
    out += "".join(f"{literal}\n" for literal in aig.outputs).encode()
    for k, (left, right) in enumerate(aig.gates):
        lhs = 2 * (aig.inputs + 1 + k)
        high, low = max(left, right), min(left, right)
        for delta in (lhs - high, high - low):
            while delta > 0x7F:
                out.append(delta & 0x7F | 0x80)
                delta >>= 7
            out.append(delta)
    return bytes(out)


def folded_and(a: int, b: int) -> int | None:
    """Return the literal of ``a`` AND ``b`` where a constant or a repeated literal decides it,
    else None (a gate is needed)."""
    if a == 0 or b == 0 or a == b ^ 1:
        return 0
    if a == 1 or a == b:
        return b
    if b == 1:
        return a
    return None


def miter(gold: Aig, gate: Aig, inputs: list[tuple[int, int]], outputs: list[tuple[int, int, int]]) -> Aig:
    """Return the miter of two combinational AIGs: its inputs are first the ``inputs`` pairs (gold's
    input, gate's input: one shared input each), then gold's other inputs, then gate's (free
    values, each its own input); its one output is 1 for an input vector where some triple of
    ``outputs`` (gold's value, gold's x mask, gate's value: output indices) has the values differ
    while the mask is 0."""
    shared = len(inputs)
    size = shared + (gold.inputs - shared) + (gate.inputs - shared)
    gates: list[tuple[int, int]] = []

    def var(literal: int, mapping: list[int]) -> int:
        return mapping[literal >> 1] ^ (literal & 1)

    def and_(a: int, b: int) -> int:
        if (known := folded_and(a, b)) is not None:
            return known
        gates.append((a, b))
        return 2 * (size + len(gates))

    def translate(aig: Aig, ports: list[int], first_free: int) -> list[int]:
        mapping = [0] * (aig.inputs + 1 + len(aig.gates))
        free = iter(range(first_free, size + 1))
        for index in range(aig.inputs):
            mapping[index + 1] = 2 * (ports[index] + 1) if ports[index] >= 0 else 2 * next(free)
        for k, (left, right) in enumerate(aig.gates):
            mapping[aig.inputs + 1 + k] = and_(var(left, mapping), var(right, mapping))
        return mapping

    gold_ports, gate_ports = [-1] * gold.inputs, [-1] * gate.inputs
    for position, (g, n) in enumerate(inputs):
        gold_ports[g], gate_ports[n] = position, position
    gold_map = translate(gold, gold_ports, shared + 1)
    gate_map = translate(gate, gate_ports, shared + 1 + gold.inputs - shared)
    bad = 0
    for d, x, g in outputs:
        value, mask = var(gold.outputs[d], gold_map), var(gold.outputs[x], gold_map)
        other = var(gate.outputs[g], gate_map)
        differ = and_(and_(value, other ^ 1) ^ 1, and_(value ^ 1, other) ^ 1) ^ 1
        bad = and_(bad ^ 1, and_(differ, mask ^ 1) ^ 1) ^ 1
    return Aig(size, (bad,), tuple(gates))


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


def worth_simulating(aig: Aig) -> bool:
    """Whether simulating every input vector of ``aig`` is within :data:`EXHAUSTIVE_WORK`."""
    return max(len(aig.gates), 1) << aig.inputs <= EXHAUSTIVE_WORK


def first_difference(aig: Aig, seconds: float) -> tuple[bool, list[int] | None]:
    """Simulate every input vector of the miter ``aig`` for at most ``seconds``; return (decided,
    the input bits of a vector that sets its output, or None when none does)."""
    start = time.monotonic()
    n = aig.inputs
    chunk = min(n, CHUNK_BITS)
    words = max(1, (1 << chunk) // 64)
    within = [_input_word(j, words) for j in range(chunk)]
    for base in range(1 << (n - chunk)):
        if time.monotonic() - start > seconds:
            return False, None
        high = [np.full(words, ONES if base >> (j - chunk) & 1 else 0, dtype=np.uint64) for j in range(chunk, n)]
        values = [np.zeros(words, dtype=np.uint64), *within, *high]
        for left, right in aig.gates:
            values.append(_literal(values, left) & _literal(values, right))
        bad = _literal(values, aig.output)  # with fewer than 6 inputs a word repeats the vectors
        hits = np.flatnonzero(bad)
        if hits.size:
            word = int(hits[0])
            bit = (int(bad[word]) & -int(bad[word])).bit_length() - 1
            vector = (base << chunk) | (word * 64 + bit)
            return True, [vector >> j & 1 for j in range(n)]
    return True, None


def _input_word(j: int, words: int) -> np.ndarray:
    """Return input j's values over one chunk of vectors (vector index bit j)."""
    if j < 6:
        return np.full(words, WORD_PATTERNS[j], dtype=np.uint64)
    return np.where((np.arange(words) >> (j - 6)) & 1, ONES, np.uint64(0)).astype(np.uint64)


def _literal(values: list[np.ndarray], literal: int) -> np.ndarray:
    value = values[literal >> 1]
    return ~value if literal & 1 else value
