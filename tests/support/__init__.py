"""Shared test helpers: SMTP and HTTP servers, workspace presets, fixtures for editions."""
