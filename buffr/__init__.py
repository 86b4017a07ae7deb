"""Buffr Host agents: the platform core (settings, services, database access, CLI)."""

__version__ = "0.1.0"
