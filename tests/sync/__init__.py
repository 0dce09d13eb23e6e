"""Sync tests against real gunicorn processes (marked slow)."""
