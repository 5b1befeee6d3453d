"""moto's S3 server on loopback for the backup tests: the one of the repo's
scripts/loopback.py (also used by tests/test_backup_lib.py and bench/)."""
import sys
from pathlib import Path

_SCRIPTS = str(Path(__file__).resolve().parents[2] / "scripts")
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

from loopback import MotoServer  # noqa: E402,F401
