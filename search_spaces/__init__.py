"""What can be tuned: the space-file format and its loading, the unit-cube encoding every numeric
optimizer shares, and the prompt templates. The knobs themselves are declared by the evaluator
(objectives.knobs); each optimizer translates the space for its library."""

from search_spaces.space import Knob, LinearConstraint, SearchSpace, build_space, load_space

__all__ = ["Knob", "LinearConstraint", "SearchSpace", "build_space", "load_space"]
