"""Where the packaged defaults live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """Installed wheels carry templates inside the package; a checkout keeps them at the top."""
    bundled = _PACKAGE / "_bundled" / "templates"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "templates"


def skeleton_dir() -> Path:
    """The starter workspace that `digest init` copies."""
    return _PACKAGE / "skeleton"
