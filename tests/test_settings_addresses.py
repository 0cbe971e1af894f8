"""newsletter.from, reply_to and unsubscribe_mailto are read once, when settings load, by the
parser the headers are built from: what `check` passes is what `weekly` sends."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.config import load_settings
from digest.errors import ConfigError, ExitCode
from digest.models import Subscriber
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from tests.support.rendering import make_edition
from tests.support.workspaces import WorkspaceFactory

FROM_LINE = '  from: "The Weir Gazette <post@weir-gazette.example>"\n'


def workspace(tmp_path: Path, make_workspace: WorkspaceFactory, lines: str) -> Path:
    """The rendering preset's workspace, its newsletter: section being `name:` and `lines`."""
    config = "newsletter:\n  name: The Weir Gazette\n" + lines + "  timezone: UTC\n"
    return make_workspace(tmp_path / "ws", "rendering", config=config)


@pytest.mark.parametrize(("lines", "error"), [
    ('  from: "Weir Gazette, Weekly <post@weir-gazette.example>"\n',
     "digest.yaml:3: newsletter.from: 'Weir Gazette, Weekly <post@weir-gazette.example>' "
     "is not one address"),
    ('  from: "post@weir-gazette.example, boss@corp.example"\n', "is not one address"),
    ('  from: "The Weir Gazette"\n', "newsletter.from"),
    (FROM_LINE + '  reply_to: "desk@weir-gazette.example\\r\\nBcc: all@corp.example"\n',
     "digest.yaml:4: newsletter.reply_to: 'desk@weir-gazette.example\\r\\nBcc: "
     "all@corp.example' holds a line break or control character"),
    (FROM_LINE + '  reply_to: "Desk <desk@weir-gazette.example> Bcc: all@corp.example"\n',
     "newsletter.reply_to"),
    (FROM_LINE + '  unsubscribe_mailto: "Leave <leave@weir-gazette.example>"\n',
     "must be a plain address"),
    (FROM_LINE + '  id: "weir gazette"\n', "newsletter.id: 'weir gazette'"),
    (FROM_LINE + '  public_url: "https://weir.example/a b"\n', "newsletter.public_url"),
])
def test_a_bad_setting_stops_every_command(
        tmp_path: Path, make_workspace: WorkspaceFactory, capsys: pytest.CaptureFixture[str],
        lines: str, error: str) -> None:
    root = workspace(tmp_path, make_workspace, lines)
    with pytest.raises(ConfigError) as raised:
        load_settings(root, env={})
    assert error in str(raised.value) and "\n" not in str(raised.value)
    for command in (["check"], ["preview", "--week", "2026-W48"]):
        assert main([*command, "-w", str(root)]) == ExitCode.USAGE
        assert error in capsys.readouterr().err


@pytest.mark.parametrize(("line", "name", "address"), [
    ('  from: "\\"Weir Gazette, Weekly\\" <post@weir-gazette.example>"\n',
     "Weir Gazette, Weekly", "post@weir-gazette.example"),
    ('  from: "Jo Q. Public <jo@weir-gazette.example>"\n', "Jo Q. Public",
     "jo@weir-gazette.example"),
    ('  from: "post@weir-gazette.example"\n', "", "post@weir-gazette.example"),
    ('  from: "Wehr-Blatt für Bäcker <post@weir-gazette.example>"\n', "Wehr-Blatt für Bäcker",
     "post@weir-gazette.example"),
])
def test_a_good_mailbox_is_sent_as_it_was_read(tmp_path: Path, make_workspace: WorkspaceFactory,
                                               line: str, name: str, address: str) -> None:
    root = workspace(tmp_path, make_workspace, line + '  reply_to: "Desk <d@weir.example>"\n')
    settings = load_settings(root, env={})
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")
    message = message_from_bytes(factory.build(Subscriber("o@example.org")),
                                 policy=policy.default)
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, address)
    assert factory.sender == address  # the envelope sender, from the same reading
    (reply,) = message["Reply-To"].addresses
    assert (reply.display_name, reply.addr_spec) == ("Desk", "d@weir.example")
