"""Bad inputs stop the weekly run before anything is sent, naming the file (and line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.cli.main import main
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import write


def run(workspace: Path, server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], *command: str) -> tuple[int, str]:
    monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
    monkeypatch.setenv("DIGEST_SECRET", "s3cret-for-tests")
    code = main([*(command or ("weekly", "--week", "2026-W48")), "--workspace", str(workspace)])
    return code, capsys.readouterr().err


def test_front_matter_that_is_not_yaml(workspace: Path, smtp_server: SmtpServer,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "content" / "broken.md",
          "---\ntitle: Fine\nauthor: [unclosed\ndate: 2026-11-24\n---\nBody text here.\n")
    code, err = run(workspace, smtp_server, monkeypatch, capsys)
    assert code != 0
    assert f"{workspace / 'content' / 'broken.md'}:" in err
    assert "front matter is not valid YAML" in err
    assert smtp_server.received == []


def test_article_without_title(workspace: Path, smtp_server: SmtpServer,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "content" / "untitled.md", "---\nauthor: Someone\ndate: 2026-11-24\n---\nText.\n")
    code, err = run(workspace, smtp_server, monkeypatch, capsys)
    assert code != 0
    assert f"{workspace / 'content' / 'untitled.md'}:1: article has no title" in err
    assert smtp_server.received == []


def test_subscriber_with_invalid_address(workspace: Path, smtp_server: SmtpServer,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "subscribers" / "extra.csv", "email,name\nok@example.org,Ok\nnot-an-address,Bad\n")
    code, err = run(workspace, smtp_server, monkeypatch, capsys)
    assert code != 0
    assert f"{workspace / 'subscribers' / 'extra.csv'}:3: invalid email address: " in err
    assert "not-an-address" not in err  # list problems never echo addresses
    assert smtp_server.received == []


def test_missing_template_variable(workspace: Path, smtp_server: SmtpServer,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "templates" / "email.txt.j2",
          "{{ newsletter.name }}\n\n{{ edition.no_such_field }}\n")
    code, err = run(workspace, smtp_server, monkeypatch, capsys)
    assert code != 0
    assert "email.txt.j2:3:" in err
    assert "no_such_field" in err
    assert smtp_server.received == []


def test_check_reports_every_problem_at_once(workspace: Path, smtp_server: SmtpServer,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "content" / "untitled.md", "---\ndate: 2026-11-24\n---\nText.\n")
    write(workspace / "subscribers" / "extra.csv", "email\nbroken@\n")
    write(workspace / "authors.yaml", "- name: Ok\n- bio: no name here\n")
    code, err = run(workspace, smtp_server, monkeypatch, capsys, "check")
    assert code == 1
    assert "untitled.md:1: article has no title" in err
    assert "extra.csv:2: invalid email address" in err
    assert "authors.yaml:2: author #2 needs a `name:`" in err


def test_config_error_names_file_and_line(workspace: Path, smtp_server: SmtpServer,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = (workspace / "digest.yaml").read_text(encoding="utf-8")
    write(workspace / "digest.yaml", config.replace("connections: 2", "connections: many"))
    code, err = run(workspace, smtp_server, monkeypatch, capsys, "check")
    assert code == 2
    line = config.splitlines().index("  connections: 2") + 1
    assert f"digest.yaml:{line}: smtp.connections: must be a number" in err


def test_password_in_smtp_url_is_refused(workspace: Path, smtp_server: SmtpServer,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DIGEST_SMTP_URL", "smtp://user:hunter2@127.0.0.1:25")
    code = main(["weekly", "--week", "2026-W48", "--workspace", str(workspace)])
    err = capsys.readouterr().err
    assert code == 2
    assert "DIGEST_SMTP_PASSWORD" in err and "hunter2" not in err
