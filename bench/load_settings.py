"""Settings of the load run (bench/load.py): the production settings, unchanged, except where the
collected static files go.

With DEBUG off the templates need WhiteNoise's manifest, so the run collects the static files; it
collects them into its own scratch directory (GLO_ACT_LOAD_STATIC_ROOT) instead of the checkout's
staticfiles/, which STATIC_ROOT otherwise fixes.
"""

import os
from pathlib import Path

from glo_act.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["GLO_ACT_LOAD_STATIC_ROOT"])
