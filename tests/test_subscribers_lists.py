"""Reading subscriber lists: CSV quirks, strict YAML, status, duplicates, audiences."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from digest.audience.lists import Audience, load_entries, load_subscribers
from digest.errors import DigestError


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def errors_of(folder: Path) -> list[str]:
    return [str(error) for error in load_entries(folder).errors]


def test_csv_with_bom_crlf_quoted_commas_and_line_breaks(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    text = ('\ufeffEmail,Name,Lists,Note\r\n'
            'ana@Example.ORG,"Ruiz, Ana","weekly, boats","two\r\nlines"\r\n'
            'bo@example.net,Bo,weekly,\r\n')
    write(folder, "main.csv", text.encode("utf-8"))
    listed = load_subscribers(folder)
    assert listed.errors == []
    first, second = listed.chosen
    assert first.subscriber.email == "ana@example.org"  # domain lower-cased
    assert first.subscriber.name == "Ruiz, Ana"
    assert first.tags == {"weekly", "boats"}
    assert first.subscriber.fields["note"] == "two\r\nlines"
    assert second.where == "subscribers/main.csv:4"  # the quoted line break counts


def test_every_bad_csv_row_is_reported_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    path = write(folder, "main.csv", "email,name,status\n"
                 "good@example.org,Good,\n"
                 "not-an-address,Bad,\n"
                 ",Nobody,\n"
                 "x@example.org,Too,many,cells\n"
                 "y@example.org,Odd,paused\n")
    assert errors_of(folder) == [
        f"{path}:3: invalid email address: An email address must have an @-sign.",
        f"{path}:4: no email address",
        f"{path}:5: row has 4 cells but the header has 3 (a comma inside a value needs quotes)",
        f"{path}:6: unknown status 'paused' (use one of: active, blocked, blocklisted, bounced, "
        "cleaned, complained, confirmed, deleted, disabled, enabled, pending, subscribed, "
        "unconfirmed, unsubscribed)",
    ]
    assert [e.subscriber.email for e in load_entries(folder).entries] == ["good@example.org"]


def test_csv_header_and_encoding_problems(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    no_email = write(folder, "a.csv", "address,name\nx@example.org,X\n")
    latin = write(folder, "b.csv", "email,name\nz@example.org,Z\u00e9".encode("latin-1"))
    broken = write(folder, "c.csv", 'email,name\nq@example.org,"open quote\n')
    assert errors_of(folder) == [
        f"{no_email}:1: header row must have an `email` column (exports from other tools: "
        "use `digest subscribers import FILE`)",
        f"{latin}:2: not UTF-8 text (byte 26: unexpected end of data); save the file as "
        "UTF-8",
        f"{broken}:2: broken CSV: unexpected end of data (check the quotes)",
    ]


def test_yaml_list_reads_like_csv(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "team.yaml", "- email: kai@example.org\n  name: Kai\n  tags: [weekly, sea]\n"
          "  zip: 01234\n  joined: 2026-01-02\n- email: 'lu@example.org'\n  status: unsubscribed\n")
    listed = load_subscribers(folder)
    assert listed.errors == []
    (kai,) = listed.chosen
    assert kai.tags == {"weekly", "sea"}
    # custom fields keep the text as written, not YAML 1.1's octal number or a date object
    assert kai.subscriber.fields["zip"] == "01234"
    assert kai.subscriber.fields["joined"] == "2026-01-02"
    assert kai.where == "subscribers/team.yaml:1"


@pytest.mark.parametrize(("text", "message"), [
    ("- email: !!python/object/apply:os.system ['true']\n",
     "1: YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed in "
     "subscriber lists"),
    ("- email: a@example.org\n  name: &n [x, x]\n- email: b@example.org\n  name: *n\n",
     "2: anchors and aliases (&name, *name) are not allowed in subscriber lists; "
     "write each record out"),
    ("- email: a@example.org\n  name: no\n",
     "1: record 1: name: 'no' is read as a boolean in YAML; put it in quotes if it is meant "
     "as text"),
    ("- email: a@example.org\n- email: 1e3\n",
     "2: record 2: email: '1e3' is read as a number in YAML; put it in quotes if it is meant "
     "as text"),
    ("- email: a@example.org\n  name: [A, B]\n",
     "1: record 1: name: must be a single value, not a list or mapping"),
    ("email: a@example.org\n",
     "1: must be a list of records, each starting with `- email: ...`"),
    ("- email: a@example.org\n  name: 'open\n",
     "3: invalid YAML: found unexpected end of stream"),
    ("- just-an-address@example.org\n",
     "1: record 1: must be a mapping such as `- email: reader@example.org`"),
])
def test_bad_yaml_is_refused_naming_file_and_record(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = write(tmp_path / "subscribers", "list.yaml", text)
    assert errors_of(tmp_path / "subscribers") == [f"{path}:{message}"]


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["- email: a@example.org", "  name: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  f{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    path = write(tmp_path / "subscribers", "bomb.yaml", "\n".join(lines) + "\n")
    started = time.process_time()
    errors = errors_of(tmp_path / "subscribers")
    assert errors == [f"{path}:2: anchors and aliases (&name, *name) are not allowed in "
                      "subscriber lists; write each record out"]
    assert time.process_time() - started < 5  # expanding it would never finish


def test_duplicates_across_files_warn_naming_both_places(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "a.csv", "email,name\nsam@example.org,Sam\n")
    write(folder, "b.yaml", "- email: sam@EXAMPLE.org\n  name: Sam again\n")
    listed = load_subscribers(folder)
    assert [s.email for s in listed.subscribers] == ["sam@example.org"]
    assert listed.warnings == ["subscribers/b.yaml:1: duplicate of subscribers/a.csv:2; "
                               "sending once"]


def test_an_unsubscribed_row_anywhere_keeps_the_address_out(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "a.csv", "email\nsam@example.org\ntim@example.org\n")
    write(folder, "b.csv", "email,status\nsam@example.org,Unsubscribed\n")
    assert [s.email for s in load_subscribers(folder).subscribers] == ["tim@example.org"]


def test_internationalised_addresses_are_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "a.csv", "email,name\nzoë@Exämple.ORG,Zoë\n")
    assert [s.email for s in load_subscribers(folder).subscribers] == ["zoë@exämple.org"]


def test_audience_lists_and_tags_narrow(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "readers.csv", "email,lists\na@example.org,weekly;boats\nb@example.org,weekly\n")
    write(folder, "staff.yaml", "- email: c@example.org\n  tags: boats\n")

    def chosen(audience: Audience) -> list[str]:
        return [s.email for s in load_subscribers(folder, audience).subscribers]

    assert chosen(Audience()) == ["a@example.org", "b@example.org", "c@example.org"]
    assert chosen(Audience(("readers",))) == ["a@example.org", "b@example.org"]
    assert chosen(Audience((), (("boats",),))) == ["a@example.org", "c@example.org"]
    configured = Audience(("readers", "staff.yaml"), (("weekly", "boats"),))
    assert chosen(configured.narrowed(["staff"])) == ["c@example.org"]
    assert chosen(configured.narrowed([], ["BOATS"])) == ["a@example.org", "c@example.org"]
    with pytest.raises(DigestError, match=r"^--list other: not in audience.lists of "
                       r"digest.yaml \(readers, staff.yaml\); --list can only narrow it$"):
        configured.narrowed(["other"])


@pytest.mark.parametrize("name", ["../secrets", "/etc/passwd", "sub/list", ".hidden",
                                  "..\\up"])
def test_list_names_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "readers.csv", "email\na@example.org\n")
    write(tmp_path, "secrets.csv", "email\nz@example.org\n")
    with pytest.raises(DigestError) as caught:
        load_subscribers(folder, Audience((name,)))
    assert str(caught.value) == (f"list {name!r}: a list name must be a file name inside "
                                 "subscribers/ (such as readers or readers.csv), not a path")


def test_a_symlink_leading_out_is_refused_and_a_missing_list_named(tmp_path: Path) -> None:
    folder = tmp_path / "subscribers"
    write(folder, "readers.csv", "email\na@example.org\n")
    outside = write(tmp_path, "elsewhere.csv", "email\nz@example.org\n")
    (folder / "linked.csv").symlink_to(outside)
    with pytest.raises(DigestError, match=r"^list 'linked': points outside subscribers/"):
        load_subscribers(folder, Audience(("linked",)))
    with pytest.raises(DigestError, match=r"^list 'nope': no such list in subscribers/ "
                       r"\(lists: linked, readers\)$"):
        load_subscribers(folder, Audience(("nope",)))
