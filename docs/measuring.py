"""What the measuring scripts in docs/ share: their command line and how they print an interval.

Imported as a sibling module (the scripts are run as ``python docs/<script>.py``, which puts
docs/ first on the path).
"""

from __future__ import annotations

import argparse

import numpy as np
from leadsim.analysis.statistics import bootstrap_ci


def interval(x: np.ndarray, digits: int = 3) -> str:
    """Mean and 95 % percentile-bootstrap interval, printed with a sign and ``digits`` decimals."""
    lo, hi = bootstrap_ci(x)
    return f"{float(np.mean(x)):+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]"


def seeds_and_workers(doc: str) -> tuple[range, int]:
    """Parse ``--seeds`` (30) and ``--workers`` (2) for a script whose docstring is ``doc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    return range(args.seeds), args.workers
