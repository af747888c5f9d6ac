"""``python -m leadsim.cli`` runs the ``leadsim`` command."""

import sys

from leadsim.cli import main

sys.exit(main())
