"""Benchmarks: commands that print figures. Targets live here, never in timed test asserts."""
