"""The packaged templates an editor may copy into a workspace to change
(`digest templates copy NAME`, `digest init --template NAME`). Only what is copied is
overridden: every other template stays the packaged one, so later fixes to it still reach
the newsletter."""

from __future__ import annotations

import shutil
from pathlib import Path

from digest.errors import DigestError
from digest.resources import default_templates_dir


def packaged_templates() -> list[str]:
    """Every packaged template by its name under templates/, e.g. partials/footer.mjml.j2."""
    root = default_templates_dir()
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.j2")
                  if "__pycache__" not in path.parts)


def template_name(asked: str) -> str:
    """The packaged template `asked` names: its path under templates/, or a file name that
    only one template has (footer.mjml.j2)."""
    names = packaged_templates()
    wanted = asked.strip().removeprefix("templates/")
    if wanted in names:
        return wanted
    matches = [name for name in names if Path(name).name == wanted]
    if len(matches) == 1:
        return matches[0]
    raise DigestError(f"template {asked!r}: no such packaged template; "
                      "`digest templates list` shows them")


def copy_templates(asked: list[str], workspace: Path) -> tuple[list[Path], list[Path]]:
    """Copy each asked template to workspace/templates/; (copied, already there and left
    as they are). Every name is checked before anything is copied."""
    names = [template_name(name) for name in asked]
    copied: list[Path] = []
    kept: list[Path] = []
    for name in dict.fromkeys(names):
        destination = workspace / "templates" / name
        if destination.exists():
            kept.append(destination)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(default_templates_dir() / name, destination)
        copied.append(destination)
    return copied, kept
