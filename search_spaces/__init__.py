"""What can be tuned: knob declarations (YAML), prompt templates, and the space's translations for
each optimizer."""

from search_spaces.space import Knob, LinearConstraint, SearchSpace, load_space

__all__ = ["Knob", "LinearConstraint", "SearchSpace", "load_space"]
