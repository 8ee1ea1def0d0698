import sys

from .errors import MetricsError

try:
    from .cli import main
except MetricsError as err:  # shipped data read at import (data/scope.yaml) is malformed: one line
    print(f"error: {err}", file=sys.stderr)
    sys.exit(2)

sys.exit(main())
