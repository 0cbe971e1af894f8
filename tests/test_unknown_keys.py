"""Nothing silent: a misspelt key is refused (or, in front matter, warned about) with the
file, the line and the key it was probably meant to be, wherever an editor writes YAML."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest
import yaml

from digest.audience.lists import load_entries
from digest.config import KNOWN_KEYS, load_settings
from digest.editorial.authors import load_authors
from digest.editorial.plan import load_plan
from digest.errors import AuthorsError, ConfigError, ContentError
from digest.resources import skeleton_dir
from digest.sources import load_articles
from digest.weeks import parse_week
from tests.support.audience import run_digest
from tests.support.workspaces import PRESETS, WorkspaceFactory, write

ROOT = Path(__file__).parents[1]


def settings_error(root: Path, make_workspace: WorkspaceFactory, extra: str) -> str:
    make_workspace(root, "sources", extra_config=extra)
    with pytest.raises(ConfigError) as caught:
        load_settings(root, env={})
    return str(caught.value)


def line_of(root: Path, text: str) -> int:
    """The line of digest.yaml that starts with `text`."""
    lines = (root / "digest.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(text))


@pytest.mark.parametrize(("extra", "starts", "message"), [
    ("audiance:\n  tags: [staff]\n", "audiance:",
     "unknown section 'audiance' (did you mean 'audience'?)"),
    ("smpt:\n  url: capture\n", "smpt:", "unknown section 'smpt' (did you mean 'smtp'?)"),
    ("delivery:\n  rate: 2\n  bursts: 4\n", "  bursts:",
     "delivery: unknown key 'bursts' (did you mean 'burst'?)"),
    ("theme:\n  accent_colour: '#123456'\n", "  accent_colour:",
     "theme: unknown key 'accent_colour' (did you mean 'accent_color'?)"),
    ("display:\n  reading_tme: false\n", "  reading_tme:",
     "display: unknown key 'reading_tme' (did you mean 'reading_time'?)"),
    ("sources:\n  feed: [https://example.org/feed]\n", "  feed:",
     "sources: unknown key 'feed' (did you mean 'feeds'?)"),
    ("storage:\n  db: x.db\n", "  db:",
     "storage: unknown key 'db' (known: database)"),
])
def test_a_misspelt_section_or_key_of_digest_yaml_is_an_error(
        tmp_path: Path, make_workspace: WorkspaceFactory, extra: str, starts: str,
        message: str) -> None:
    root = tmp_path / "ws"
    error = settings_error(root, make_workspace, extra)
    assert error == f"{root / 'digest.yaml'}:{line_of(root, starts)}: {message}"


def test_a_misspelt_key_inside_a_section_the_preset_already_has(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    root = tmp_path / "ws"
    make_workspace(root, "sources", config=PRESETS["sources"].config.replace(
        "smtp:\n  url: capture\n", "smtp:\n  url: capture\n  conections: 1\n"))
    with pytest.raises(ConfigError) as caught:
        load_settings(root, env={})
    assert str(caught.value) == (f"{root / 'digest.yaml'}:{line_of(root, '  conections:')}: "
                                 "smtp: unknown key 'conections' (did you mean 'connections'?)")


def test_dkim_key_entries_are_checked_too(tmp_path: Path,
                                          make_workspace: WorkspaceFactory) -> None:
    root = tmp_path / "ws"
    write(root / "keys" / "a.pem", "not read: the typo is found first\n")
    error = settings_error(root, make_workspace,
                           "dkim:\n  keys:\n    - selector: a\n      kye: keys/a.pem\n")
    assert error == (f"{root / 'digest.yaml'}:{line_of(root, '      kye:')}: dkim.keys.0: "
                     "unknown key 'kye' (did you mean 'key'?)")
    error = settings_error(root, make_workspace, "dkim:\n  selector: b\n  key: keys/a.pem\n"
                           "  keys:\n    - {selector: a, key: keys/a.pem}\n")
    assert error.endswith(f"digest.yaml:{line_of(root, '  selector: b')}: dkim.selector: "
                          "give either selector and key, or keys, not both")


def test_check_refuses_the_audience_typo_that_widened_a_test_send(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    """`audiance:` used to leave the audience at its default, every subscriber, and `digest
    check` said "no problem(s)"."""
    root = make_workspace(tmp_path / "ws", "audience",
                          extra_config="audiance:\n  lists: [readers]\n  tags: [staff]\n")
    result = run_digest("check", "-w", str(root))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {root / 'digest.yaml'}:{line_of(root, 'audiance:')}: unknown section "
        "'audiance' (did you mean 'audience'?)"]


def test_the_sample_skeleton_and_presets_hold_only_known_keys(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    load_settings(ROOT, env={})  # the sample newsletter's digest.yaml
    load_settings(skeleton_dir(), env={})
    for name in PRESETS:
        make_workspace.settings(tmp_path / name, name)
    assert len(load_authors(skeleton_dir() / "authors.yaml")) == 1
    found = load_articles(skeleton_dir() / "content", UTC)
    assert found.errors == [] and found.warnings == []
    for example in (skeleton_dir() / "editions").glob("*.yaml"):  # copied to a week, as told
        write(tmp_path / "editions" / "2026-W48.yaml", example.read_text(encoding="utf-8"))
        assert load_plan(tmp_path, parse_week("2026-W48")).intro


def test_every_digest_yaml_key_the_docs_show_is_known() -> None:
    """The yaml blocks of README and docs/ that are digest.yaml sections use known keys."""
    shown: list[tuple[str, str, str]] = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            data = yaml.safe_load(block)
            if isinstance(data, dict) and set(data) & set(KNOWN_KEYS):
                shown += [(doc.name, str(section), str(key)) for section, keys in data.items()
                          for key in (keys if isinstance(keys, dict) else {})]
    assert shown, "no digest.yaml example found in the docs"
    assert [entry for entry in shown
            if entry[1] not in KNOWN_KEYS or entry[2] not in KNOWN_KEYS[entry[1]]] == []


def test_a_misspelt_key_in_authors_yaml_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "authors.yaml", """\
        - name: Ana Lima
          bio: Ana Lima writes about ferries.
        - name: Ray Li
          bi: Ray Li covers the council.
          conections: [https://example.org/ray]
        """)
    with pytest.raises(AuthorsError) as caught:
        load_authors(path)
    assert str(caught.value) == f"{path}:4: author #2: unknown key 'bi' (did you mean 'bio'?)"
    write(path, "- nmae: Ray Li\n")  # the typo is named, not "needs a name"
    with pytest.raises(AuthorsError) as caught:
        load_authors(path)
    assert str(caught.value) == f"{path}:1: author #1: unknown key 'nmae' (did you mean 'name'?)"


def test_a_misspelt_front_matter_key_is_a_warning_with_its_line(tmp_path: Path) -> None:
    write(tmp_path / "content" / "ferry.md", """\
        ---
        title: The Ferry Runs on Tides
        autor: Ana Lima
        date: 2026-11-24
        ---
        The ferry now waits for the tide.
        """)
    found = load_articles(tmp_path / "content", UTC)
    assert found.errors == []
    assert found.articles[0].authors == ()
    assert found.warnings == [f"{tmp_path / 'content' / 'ferry.md'}:3: unknown front matter "
                              "key 'autor' (did you mean 'author'?); ignored"]


def test_the_front_matter_warning_reaches_the_command_line(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path / "ws", "sources", articles={"ferry.md": """\
        ---
        title: The Ferry Runs on Tides
        date: 2026-11-24
        autor: Ana Lima
        ---
        The ferry now waits for the tide.
        """})
    result = run_digest("articles", "--week", "2026-W48", "-w", str(root))
    assert result.returncode == 0, result.stderr
    assert (f"warning: {root / 'content' / 'ferry.md'}:4: unknown front matter key 'autor' "
            "(did you mean 'author'?); ignored") in result.stderr.splitlines()


def test_a_misspelt_key_in_an_edition_file_names_the_near_key(tmp_path: Path) -> None:
    path = write(tmp_path / "editions" / "2026-W48.yaml", "subject: Tides\nintor: Hello\n")
    with pytest.raises(ContentError) as caught:
        load_plan(tmp_path, parse_week("2026-W48"))
    assert str(caught.value) == f"{path}:2: unknown key 'intor' (did you mean 'intro'?)"
    write(path, "articles:\n  - slug: ferry\n    exerpt: Short.\n")
    with pytest.raises(ContentError) as caught:
        load_plan(tmp_path, parse_week("2026-W48"))
    assert str(caught.value) == f"{path}:3: unknown key 'exerpt' (did you mean 'excerpt'?)"


@pytest.mark.parametrize(("field", "meant"), [
    ("stauts", "status"), ("emial", "email"), ("tgas", "tags"), ("list", "lists")])
def test_a_misspelt_field_in_a_yaml_list_is_an_error(tmp_path: Path, field: str,
                                                     meant: str) -> None:
    """`stauts: unsubscribed` used to be kept as a field of the reader's own, and they
    stayed subscribed."""
    path = write(tmp_path / "subscribers" / "club.yaml", f"""\
        - email: ana@example.org
          city: Hull
        - email: ray@example.org
          {field}: unsubscribed
        """)
    errors = [str(error) for error in load_entries(tmp_path / "subscribers").errors]
    assert errors == [f"{path}:3: record 2: unknown field {field!r} (did you mean {meant!r}?); "
                      "a field of your own needs a name unlike the ones digest reads"]


def test_fields_of_the_editors_own_stay_allowed(tmp_path: Path) -> None:
    write(tmp_path / "subscribers" / "club.yaml", """\
        - email: ana@example.org
          fname: Ana
          state: Ohio
          email2: ana@work.example.org
          city: Hull
        """)
    listed = load_entries(tmp_path / "subscribers")
    assert listed.errors == []
    assert listed.entries[0].fields == {"fname": "Ana", "state": "Ohio",
                                        "email2": "ana@work.example.org", "city": "Hull"}
