"""Turn settings into reachable endpoints: external servers as configured, or embedded ones."""

from __future__ import annotations

from dataclasses import dataclass, replace

import psycopg
import redis
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from buffr.services.errors import ServiceError
from buffr.services.postgres import APP_ROLE, DEFAULT_DB, OWNER_ROLE, EmbeddedPostgres
from buffr.services.redis import EmbeddedRedis
from buffr.settings import Settings


@dataclass(frozen=True)
class Endpoints:
    owner_dsn: str  # runs migrations and seeds; owns the tables
    app_dsn: str  # what the product connects as: row-level security applies
    redis_url: str
    embedded_postgres: bool
    embedded_redis: bool


def app_dsn_from_owner(owner_dsn: str, password: str | None = None) -> str:
    """The same server and database as ``owner_dsn``, as the application role."""
    try:
        params = conninfo_to_dict(owner_dsn)
    except psycopg.ProgrammingError as error:
        raise ServiceError(f"DATABASE_URL is malformed: {error}") from error
    params["user"] = APP_ROLE
    params.pop("password", None)
    if password:
        params["password"] = password
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def with_database(dsn: str, name: str) -> str:
    """The same server and role as ``dsn``, on database ``name``."""
    params = conninfo_to_dict(dsn)
    params["dbname"] = name
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def for_database(endpoints: Endpoints, name: str) -> Endpoints:
    """The same servers and roles, on database ``name`` (throwaway test and bench copies)."""
    return replace(
        endpoints,
        owner_dsn=with_database(endpoints.owner_dsn, name),
        app_dsn=with_database(endpoints.app_dsn, name),
    )


def check_postgres(dsn: str, what: str) -> None:
    """Fail with a sentence, not a traceback, when the server cannot be reached."""
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.ProgrammingError as error:
        raise ServiceError(f"{what} is malformed: {error}") from error
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ServiceError(
            f"Cannot reach Postgres at {what}: {first_line}. Check the URL, that the server "
            "runs and accepts connections, or unset it to use the embedded Postgres."
        ) from error


def check_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except (redis.RedisError, ValueError, OSError) as error:
        raise ServiceError(
            f"Cannot reach Redis at REDIS_URL: {error}. Check the URL, or unset it to use the "
            "embedded Redis."
        ) from error


def ensure_services(settings: Settings) -> Endpoints:
    """Start whatever embedded service is needed and return checked endpoints."""
    if settings.database_url:
        owner_dsn = _libpq_url(settings.database_url)
        check_postgres(owner_dsn, "DATABASE_URL")
        password = settings.db_app_password.get_secret_value() if settings.db_app_password else None
        app_dsn = (
            _libpq_url(settings.database_app_url)
            if settings.database_app_url
            else app_dsn_from_owner(owner_dsn, password)
        )
        embedded_pg = False
    else:
        server = EmbeddedPostgres(settings.home, settings.pg_tcp_port)
        server.ensure_running()
        owner_dsn = server.dsn(OWNER_ROLE, DEFAULT_DB)
        app_dsn = server.dsn(APP_ROLE, DEFAULT_DB)
        embedded_pg = True

    if settings.redis_url:
        check_redis(settings.redis_url)
        redis_url = settings.redis_url
        embedded_redis = False
    else:
        embedded = EmbeddedRedis(settings.home)
        embedded.ensure_running()
        redis_url = embedded.url
        embedded_redis = True
    return Endpoints(owner_dsn, app_dsn, redis_url, embedded_pg, embedded_redis)


def service_status(settings: Settings) -> dict[str, str]:
    """A one-line state per service, starting nothing."""
    states: dict[str, str] = {}
    if settings.database_url:
        states["postgres"] = "external (DATABASE_URL)"
    else:
        states["postgres"] = (
            f"embedded, {EmbeddedPostgres(settings.home, settings.pg_tcp_port).state().detail}"
        )
    if settings.redis_url:
        states["redis"] = "external (REDIS_URL)"
    else:
        states["redis"] = f"embedded, {EmbeddedRedis(settings.home).state().detail}"
    return states


def stop_services(settings: Settings) -> list[str]:
    """Stop the embedded services; external ones are never touched."""
    stopped = []
    if not settings.database_url and EmbeddedPostgres(settings.home, settings.pg_tcp_port).stop():
        stopped.append("postgres")
    if not settings.redis_url and EmbeddedRedis(settings.home).stop():
        stopped.append("redis")
    return stopped


def _libpq_url(url: str) -> str:
    """SQLAlchemy-style URLs (postgresql+psycopg://) as libpq understands them."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlalchemy_url(dsn: str) -> str:
    """A libpq URL or key=value DSN as a SQLAlchemy URL for psycopg 3."""
    if dsn.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + dsn.split("://", 1)[1]
    if dsn.startswith("postgresql+psycopg://"):
        return dsn
    # key=value form: hand it over whole through the query string
    from urllib.parse import quote

    return f"postgresql+psycopg:///?{'&'.join(_kv_pairs(dsn, quote))}"


def _kv_pairs(dsn: str, quote: object) -> list[str]:
    params = conninfo_to_dict(dsn)
    return [f"{k}={quote(str(v), safe='')}" for k, v in params.items() if v is not None]  # type: ignore[operator]
