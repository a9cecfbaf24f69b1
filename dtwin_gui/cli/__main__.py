"""`python -m dtwin_gui.cli`: the same entry point as the `dtwin` command."""

import sys

from dtwin_gui.cli import main

sys.exit(main())
