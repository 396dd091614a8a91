"""Thin Prefect 3 flows over the supportlake package.

Prefect reads PREFECT_HOME and its telemetry settings when it is first imported, so the
offline environment is applied here, before any flow module imports prefect.
"""

from supportlake.settings import apply_offline_environment

apply_offline_environment()
