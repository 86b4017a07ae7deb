"""The services the platform runs on: Postgres (with pgvector) and Redis.

With ``DATABASE_URL`` / ``REDIS_URL`` set they are external servers and nothing is started;
otherwise embedded ones are started on demand under ``BUFFR_HOME`` and reused across commands.
"""

from buffr.services.errors import ServiceError
from buffr.services.resolve import Endpoints, ensure_services, service_status, stop_services

__all__ = ["Endpoints", "ServiceError", "ensure_services", "service_status", "stop_services"]
