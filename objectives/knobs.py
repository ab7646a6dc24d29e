"""Knob declarations: every setting a search space may tune is one field of a pydantic model
(:class:`objectives.recipe.Recipe`, :class:`objectives.generate.GenerationKnobs`), declared with
:func:`knob`.

The field's type and bounds are what the evaluator accepts; :func:`knob` adds what the rest of
rtlbo derives from the same declaration: the packaged search spaces (``space: [synthesis]``), the
check of a user's space files, and the knob tables of the docs.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic.fields import FieldInfo

Value = bool | int | float | str


def knob(
    default: Value | tuple[str, ...],
    description: str,
    effect: str,
    *,
    search: tuple[float, float] | list[str] | None = None,
    active_when: dict[str, list[Value]] | None = None,
    **bounds: float | int,
) -> Any:
    """Return the pydantic field that declares one knob.

    ``default`` is the baseline flow's value (a tuple for a sequence, whose length the packaged
    space searches); ``description`` says what the knob is and ``effect`` what it changes in the
    flow (a command-line option, a prompt, ...); ``bounds`` (``ge``, ``le``, ``gt``; a
    sequence's ``min_length``, ``max_length``) bound the values the evaluator accepts. ``search``
    is what the packaged space searches where that differs: ``(low, high)`` of a number, the
    values of a string.
    ``active_when`` (``{knob: [values], ...}``) names the settings of other knobs under which this
    one acts; elsewhere the flow runs it at its default.
    """
    extra: dict[str, Any] = {"effect": effect}
    if search is not None:
        extra["search"] = list(search)
    if active_when:
        extra["active_when"] = active_when
    return Field(default, description=description, json_schema_extra=extra, **bounds)


def declared(field: FieldInfo, key: str) -> Any:
    """Return what :func:`knob` declared under ``key`` (``effect``, ``search``, ``active_when``)
    for ``field``, or None."""
    extra = field.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None
