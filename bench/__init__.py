"""The sync benchmark: the real server under gunicorn, simulated devices pushing, a reviewer pulling.

Run it with `make bench` (or `python -m bench --help`); docs/performance.md has the figures.
"""
