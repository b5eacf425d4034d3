"""The framework's ceiling: a minimal Django project with one constant-answer DRF view, no
middleware, no authentication, no database. Every benchmark measures it under the same server
and flags in the same run (bench/harness.py) and prints its own rate as a ratio of it."""
