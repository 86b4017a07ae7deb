"""Database access: engines for the two roles, property-bound sessions, migrations."""
