"""Exhaustive simulation of a combinational miter in binary AIGER: a complete proof for few inputs.

SAT sweeping (ABC ``&cec``) is slow on multipliers, whose miters are hard for SAT, yet a miter
with n inputs is decided outright by simulating all 2^n input vectors, 64 to a machine word. That
pays off while the gates times 2^n stay small (:data:`EXHAUSTIVE_WORK`): an 8×8 multiplier's miter
(16 inputs) takes milliseconds here against seconds for ``&cec``.
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
    """A combinational AIG: ``inputs`` inputs, the literal of its first output, and its AND gates
    as (left, right) literal pairs in order (gate k defines variable inputs + 1 + k)."""

    inputs: int
    output: int
    gates: tuple[tuple[int, int], ...]


def read_aiger(path: Path) -> Aig | None:
    """Return the AIG of a binary AIGER file, or None when it is not one without latches and with
    an output."""
    data = path.read_bytes()
    end = data.index(b"\n")
    kind, _, inputs, latches, outputs, ands = data[:end].split()[:6]
    if kind != b"aig" or int(latches) or not int(outputs):
        return None
    position = end + 1
    end = data.index(b"\n", position)
    output = int(data[position:end])
    for _ in range(int(outputs)):  # skip every output line
        position = data.index(b"\n", position) + 1
    gates = []
    for k in range(int(ands)):
        lhs = 2 * (int(inputs) + 1 + k)
        delta0, position = _varint(data, position)
        delta1, position = _varint(data, position)
        gates.append((lhs - delta0, lhs - delta0 - delta1))
    return Aig(int(inputs), output, tuple(gates))


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
