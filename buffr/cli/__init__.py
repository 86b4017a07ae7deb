"""The ``buffr`` command line."""
