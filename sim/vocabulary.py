"""The model's words, in one place: leadership patterns, expertise domains, successor styles,
crisis kinds and the named pattern mixes that scenarios, experiments, validation and the page use.

Everything else imports these names; nothing restates them.
"""

from __future__ import annotations

from enum import IntEnum

#: the four ways leadership of an improvement item is taken up (Harris 2008, after Gronn and
#: Hargreaves & Fink), in the order of pattern weights everywhere in the model
PATTERNS = ("solo", "design", "default", "desperation")


class Mode(IntEnum):
    """Index of a pattern in weight vectors: who got the opportunity to lead an item."""

    SOLO = 0
    DESIGN = 1
    DEFAULT = 2
    DESPERATION = 3


#: expertise domains of teachers and of improvement items
DOMAINS = ("curriculum", "pedagogy", "behaviour", "assessment", "inclusion")
#: what a successor brings (see leadsim.sim.heads.STYLES) or "like the head who left"
SUCCESSOR_STYLES = ("charismatic", "top_down", "distributive", "like_predecessor")
#: what a crisis is about
CRISIS_KINDS = ("results", "behaviour", "inspection")

#: named pattern mixes: a head who leads alone, one who distributes by design (and still leads a
#: fifth of the work), volunteers filling gaps, and all hands; weights of :data:`PATTERNS`
MIXES: dict[str, dict[str, float]] = {
    "solo": {"solo": 1.0},
    "design": {"solo": 0.2, "design": 0.8},
    "default": {"solo": 0.2, "default": 0.8},
    "desperation": {"solo": 0.2, "desperation": 0.8},
}
