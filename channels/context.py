"""What the channel code shares: the Redis key namespace and the worker's current services.

Every Redis key this package writes (webhook claims, rate windows, job markers, dramatiq's own
queues) starts with :func:`namespace`, derived from the database the services use: two
deployments (or two test modules, each on its own throwaway database) sharing one Redis never
see each other's keys.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from psycopg.conninfo import conninfo_to_dict

if TYPE_CHECKING:
    from api.services import Services

_lock = threading.Lock()
_current: Services | None = None


@lru_cache(maxsize=64)
def _namespace_of(app_dsn: str) -> str:
    try:
        name = conninfo_to_dict(app_dsn).get("dbname") or "buffr"
    except Exception:  # a DSN psycopg cannot parse still gets a stable namespace
        name = "buffr"
    return f"buffr-{name}"


def namespace(services: Services) -> str:
    """The prefix of every Redis key of these services, e.g. ``buffr-buffr``."""
    return _namespace_of(services.endpoints.app_dsn)


def key(services: Services, *parts: object) -> str:
    """A namespaced Redis key: ``key(s, "claim", 3, "SM..")`` → ``buffr-x:claim:3:SM..``."""
    return ":".join([namespace(services), *(str(part) for part in parts)])


def set_current_services(services: Services | None) -> None:
    """Make ``services`` what background jobs of this process run with (set by the worker)."""
    global _current
    with _lock:
        _current = services


def current_services() -> Services:
    """The services background jobs run with; set when the worker starts."""
    services = _current
    if services is None:
        raise RuntimeError(
            "No services for background jobs: start the worker with channels.worker."
            "run_worker() or start_embedded_worker() first."
        )
    return services
