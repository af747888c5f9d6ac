"""Mesa's conventions, once for every leadsim model (a school, a system of schools).

``model.scenario`` is leadsim's typed scenario (Mesa's constructor assigns its own empty
``Scenario`` there; it is kept aside, since the seed is already the model's rng), and
``model.week`` is Mesa's step counter under the domain's name.
"""

from __future__ import annotations

from typing import Any

import mesa


class LeadsimModel(mesa.Model):
    """A Mesa model whose ``scenario`` is leadsim's; subclasses set ``self._leadsim_scenario``."""

    _leadsim_scenario: Any

    @property
    def scenario(self) -> Any:  # type: ignore[override]
        """leadsim's scenario of this run (Mesa's own ``Scenario`` object is not used)."""
        return self._leadsim_scenario

    @scenario.setter
    def scenario(self, value: Any) -> None:
        self._mesa_scenario = value

    @property
    def week(self) -> int:
        """The school week: Mesa's step counter (week 0 is the starting state)."""
        return self.steps
