"""leadsim: an agent-based model of leadership patterns in schools, built on Mesa.

The model classes load lazily: the command line imports this package for every call, and
most calls (validate, params, scenarios) never need Mesa, pandas or the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadsim.sim.config import Scenario
    from leadsim.sim.model import SchoolModel

__version__ = "0.1.0"
__all__ = ["SchoolModel", "Scenario", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "SchoolModel":
        from leadsim.sim.model import SchoolModel

        return SchoolModel
    if name == "Scenario":
        from leadsim.sim.config import Scenario

        return Scenario
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
