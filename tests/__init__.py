"""Tests for digest: `python3 -m pytest` from the project root."""
