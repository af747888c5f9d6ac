"""leadsim: an agent-based model of leadership patterns in schools, built on Mesa."""

from sim.config import Scenario
from sim.model import SchoolModel

__version__ = "0.1.0"
__all__ = ["SchoolModel", "Scenario", "__version__"]
