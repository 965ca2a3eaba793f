"""Registers every command module with the app (import order is the order of `--help`)."""

# isort: off
from . import pipeline_commands  # noqa: F401
from . import drift_commands  # noqa: F401
from . import mock_commands  # noqa: F401
from . import overlays_commands  # noqa: F401
from . import conformance_commands  # noqa: F401
from . import payload_commands  # noqa: F401
from . import release_commands  # noqa: F401
