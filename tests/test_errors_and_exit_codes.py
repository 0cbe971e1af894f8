"""One exception tree, one ExitCode enum, and DIGEST_DEBUG showing the causes users don't see."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import digest
from digest import errors
from digest.cli.main import main
from digest.errors import ConfigError, DigestError, ExitCode

PACKAGE = Path(digest.__file__).parent


def test_every_exception_class_of_the_package_lives_in_errors_py() -> None:
    elsewhere = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(base, ast.Name) and base.id.endswith(("Error", "Exception"))
                    for base in node.bases):
                elsewhere.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert elsewhere == []


def test_the_drawn_tree_names_every_exception_in_errors_py() -> None:
    drawn = inspect.getdoc(errors) or ""
    defined = [name for name, value in vars(errors).items()
               if isinstance(value, type) and issubclass(value, DigestError)]
    assert len(defined) > 10
    assert [name for name in defined if name not in drawn] == []


def test_every_error_exit_code_is_an_exit_code() -> None:
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, DigestError):
            assert isinstance(value.exit_code, ExitCode), value


def test_readme_documents_every_exit_code() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    for code in ExitCode:
        assert f"\n| {int(code)} |" in table, code


def _workspace_with_bad_smtp_url(root: Path) -> Path:
    root.mkdir()
    (root / "digest.yaml").write_text(
        "newsletter:\n  name: Test\n  from: Test <t@example.org>\n"
        "smtp:\n  url: smtp://[::1/\n", encoding="utf-8")
    return root


def test_config_error_exits_2_with_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_DEBUG", raising=False)
    monkeypatch.delenv("DIGEST_SMTP_URL", raising=False)
    monkeypatch.setenv("DIGEST_SMTP_URL", "ftp://mail.example.org")
    workspace = _workspace_with_bad_smtp_url(tmp_path / "ws")
    code = main(["check", "--workspace", str(workspace)])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert "DIGEST_SMTP_URL: SMTP URL must start with smtp://" in err
    assert "Traceback" not in err


def test_digest_debug_prints_the_hidden_cause(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The port check raises `from None`; with DIGEST_DEBUG=1 the ValueError behind it shows."""
    monkeypatch.setenv("DIGEST_SMTP_URL", "smtp://mail.example.org:99999")
    workspace = _workspace_with_bad_smtp_url(tmp_path / "ws")
    monkeypatch.delenv("DIGEST_DEBUG", raising=False)
    assert main(["check", "--workspace", str(workspace)]) == ExitCode.USAGE
    quiet = capsys.readouterr().err
    assert "invalid port" in quiet and "Traceback" not in quiet
    monkeypatch.setenv("DIGEST_DEBUG", "1")
    assert main(["check", "--workspace", str(workspace)]) == ExitCode.USAGE
    loud = capsys.readouterr().err
    assert "Traceback" in loud and "caused by:" in loud
    assert "ValueError" in loud and "ConfigError" in loud


def test_config_error_is_raised_where_the_url_came_from(tmp_path: Path) -> None:
    from digest.config import load_settings

    workspace = _workspace_with_bad_smtp_url(tmp_path / "ws")
    with pytest.raises(ConfigError) as caught:
        load_settings(workspace, env={})
    assert caught.value.path.name == "digest.yaml" and caught.value.line == 5
