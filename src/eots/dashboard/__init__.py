"""The live dashboard: a thin, read-only Dash app over the snapshot store and replay runs.

``create_app(params)`` builds it, ``serve(app, host, port)`` serves it; ``eots dashboard`` does
both. All computation goes through ``eots.dashboard.data`` (the adapter the engine will replace).
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.dashboard.app import VIEWS, create_app
    from eots.dashboard.auth import TOKEN_ENV, is_loopback, startup_message, token_required
    from eots.dashboard.params import DashboardParams
    from eots.dashboard.server import serve

__all__ = [
    "TOKEN_ENV",
    "VIEWS",
    "DashboardParams",
    "create_app",
    "is_loopback",
    "serve",
    "startup_message",
    "token_required",
]

lazy_package(
    __name__,
    {
        "eots.dashboard.app": ("VIEWS", "create_app"),
        "eots.dashboard.auth": ("TOKEN_ENV", "is_loopback", "startup_message", "token_required"),
        "eots.dashboard.params": ("DashboardParams",),
        "eots.dashboard.server": ("serve",),
    },
)
