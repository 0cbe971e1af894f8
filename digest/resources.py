"""Where the packaged defaults live, installed or in a source checkout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2

_PACKAGE = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """Installed wheels carry templates inside the package; a checkout keeps them at the top."""
    bundled = _PACKAGE / "_bundled" / "templates"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "templates"


def skeleton_dir() -> Path:
    """The starter workspace that `digest init` copies."""
    return _PACKAGE / "skeleton"


def web_pages(workspace_templates: Path | None = None) -> jinja2.Environment:
    """Jinja2 for the web pages (`templates/web/`: the archive, the unsubscribe pages).

    A page in the workspace's `templates/web/` wins over the packaged one. Autoescape is
    on for every page, and an undefined name is an error.
    """
    folders = [d for d in (workspace_templates, default_templates_dir()) if d and d.is_dir()]
    return template_environment(jinja2.FileSystemLoader([str(folder) for folder in folders]))


def template_environment(loader: jinja2.BaseLoader,
                         autoescape: bool | Callable[[str | None], bool] = True,
                         ) -> jinja2.Environment:
    """The Jinja2 settings every template renders with, email or web page: an undefined
    name is an error, and a line holding only a block tag leaves no blank line."""
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
