"""`digest init` copies no template unless asked; `digest templates` lists them and copies
the few an editor changes, so every other template keeps getting the packaged fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.cli.main import main
from digest.resources import default_templates_dir


def test_init_copies_only_the_templates_asked_for(tmp_path: Path) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target), "--template", "email.mjml.j2",
                 "--template", "footer.mjml.j2"]) == 0
    copied = sorted(str(p.relative_to(target / "templates"))
                    for p in (target / "templates").rglob("*") if p.is_file())
    assert copied == ["email.mjml.j2", "partials/footer.mjml.j2"]
    assert (target / "templates" / "email.mjml.j2").read_bytes() == \
        (default_templates_dir() / "email.mjml.j2").read_bytes()
    assert main(["preview", "-w", str(target)]) == 0


def test_a_wrong_template_name_stops_init_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target), "--template", "emial.mjml.j2"]) == 1
    assert "template 'emial.mjml.j2': no such packaged template" in capsys.readouterr().err
    assert not target.exists()


def test_templates_list_and_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target)]) == 0
    capsys.readouterr()
    assert main(["templates", "copy", "web/page.html.j2", "-w", str(target)]) == 0
    assert (target / "templates" / "web" / "page.html.j2").is_file()
    (target / "templates" / "web" / "page.html.j2").write_text("mine", encoding="utf-8")
    assert main(["-w", str(target), "templates", "copy", "page.html.j2"]) == 0
    assert "already there; left as it is" in capsys.readouterr().err
    assert (target / "templates" / "web" / "page.html.j2").read_text(encoding="utf-8") == "mine"
    assert main(["templates", "list", "-w", str(target)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "web/page.html.j2  (overridden in templates/)" in listed
    assert "email.mjml.j2" in listed and "partials/footer.mjml.j2" in listed
