import sys

from metrics.errors import MetricsError

try:
    from metrics.cli import main, tune_gc
except MetricsError as err:  # shipped data read at import (data/scope.yaml) is malformed: one line
    print(f"error: {err}", file=sys.stderr)
    sys.exit(2)

tune_gc()
sys.exit(main())
