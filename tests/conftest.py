import os
import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from libreoffice import libreoffice  # noqa: E402,F401  (fixture)

# CI's verdict must not depend on the draw: .ci/run sets HYPOTHESIS_PROFILE=ci, which runs the same examples every
# time (derandomize) with no per-example deadline (a loaded 2-core machine is slow, not wrong). On a developer's
# machine the examples stay random, so new cases keep being found; a failure prints the blob to replay it.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
