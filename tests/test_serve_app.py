"""The unsubscribe service's HTTP behaviour (Starlette TestClient; the real server is in
test_unsubscribe_end_to_end.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from digest.audience.suppressions import open_suppressions
from digest.audience.unsubscribe_tokens import make_token
from digest.audience.web import SiteFolder, create_app
from digest.settings import Settings
from tests.support.audience import LIST_ID, SECRET
from tests.support.tokens import first_scheme_token
from tests.support.workspaces import WorkspaceFactory

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "audience", env={"DIGEST_SECRET": SECRET},
                                   public_url="https://tidewater.example/news")


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, SECRET), base_url="https://tidewater.example",
                      follow_redirects=False)


def suppressed(settings: Settings) -> list[tuple[str, str, str]]:
    with open_suppressions(settings.db_path) as store:
        return [(s.email, s.reason, s.source) for s in store.listing()]


def url(address: str, list_id: str = LIST_ID, action: str = "unsubscribe") -> str:
    return f"/news/{action}/{make_token(SECRET, list_id, address)}"


def test_one_click_post_suppresses_at_once_with_200_no_redirect_no_cookie(
        client: TestClient, settings: Settings) -> None:
    response = client.post(url("una@example.org"), data=ONE_CLICK)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers and "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    assert "You are unsubscribed" in response.text
    assert suppressed(settings) == [("una@example.org", "unsubscribed", "one-click")]
    again = client.post(url("una@example.org"), data=ONE_CLICK)  # a repeat is harmless
    assert again.status_code == 200
    assert suppressed(settings) == [("una@example.org", "unsubscribed", "one-click")]


def test_multipart_one_click_body_is_accepted(client: TestClient, settings: Settings) -> None:
    response = client.post(url("vic@example.net"),
                           files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert [row[0] for row in suppressed(settings)] == ["vic@example.net"]


def test_get_shows_a_confirm_page_and_changes_nothing(client: TestClient,
                                                      settings: Settings) -> None:
    target = url("una@example.org")
    response = client.get(target)
    assert response.status_code == 200
    assert f'<form method="post" action="{target}">' in response.text
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in response.text
    assert client.head(target).status_code == 200
    assert suppressed(settings) == []
    # the page's own button posts the one-click body
    assert client.post(target, data={**ONE_CLICK, "via": "page"}).status_code == 200
    assert suppressed(settings) == [("una@example.org", "unsubscribed", "confirm page")]


def test_a_link_sent_with_a_first_scheme_token_still_unsubscribes(
        client: TestClient, settings: Settings) -> None:
    old = f"/news/unsubscribe/{first_scheme_token(SECRET, LIST_ID, 'una@example.org')}"
    assert client.get(old).status_code == 200
    assert client.post(old, data=ONE_CLICK).status_code == 200
    assert suppressed(settings) == [("una@example.org", "unsubscribed", "one-click")]


@pytest.mark.parametrize("path", [
    url("una@example.org")[:-5],  # truncated
    url("una@example.org", list_id="another-list"),  # another newsletter's token
    "/news/unsubscribe/" + make_token("wrong-secret", LIST_ID, "una@example.org"),  # forged
    "/news/unsubscribe/not-a-token",
])
def test_bad_tokens_get_400_and_change_nothing(client: TestClient, settings: Settings,
                                               path: str) -> None:
    for response in (client.post(path, data=ONE_CLICK), client.get(path)):
        assert response.status_code == 400
        assert "This link does not work" in response.text
    assert suppressed(settings) == []


def test_post_without_the_one_click_body_changes_nothing(client: TestClient,
                                                         settings: Settings) -> None:
    assert client.post(url("una@example.org"), data={"List-Unsubscribe": "yes"}
                       ).status_code == 400
    assert client.post(url("una@example.org"), content=b"\x00garbage",
                       headers={"content-type": "multipart/form-data; boundary=x"}
                       ).status_code == 400
    assert suppressed(settings) == []


def test_resubscribe_lifts_only_a_readers_own_unsubscribe(client: TestClient,
                                                          settings: Settings) -> None:
    client.post(url("una@example.org"), data=ONE_CLICK)
    page = client.get(url("una@example.org", action="resubscribe"))
    assert page.status_code == 200 and suppressed(settings) != []  # GET changes nothing
    response = client.post(url("una@example.org", action="resubscribe"), data={})
    assert response.status_code == 200 and "Welcome back" in response.text
    assert suppressed(settings) == []
    with open_suppressions(settings.db_path) as store:
        store.suppress("vic@example.net", "complained", "feedback loop")
    refused = client.post(url("vic@example.net", action="resubscribe"), data={})
    assert refused.status_code == 409
    assert suppressed(settings) == [("vic@example.net", "complained", "feedback loop")]


def test_pages_escape_what_comes_from_the_token(client: TestClient) -> None:
    response = client.get(url('"<b>x</b>"@example.org'))
    assert response.status_code == 200
    assert "<b>x</b>" not in response.text
    assert "&lt;b&gt;x&lt;/b&gt;" in response.text


def test_archive_never_serves_a_preview(client: TestClient, settings: Settings) -> None:
    page = settings.out_dir / "2026-W10" / "index.html"  # one subscriber's preview
    page.parent.mkdir(parents=True)
    page.write_text("<html><body>Hello Una Pike</body></html>", encoding="utf-8")
    assert client.get("/news/archive/2026-W10/").status_code == 404
    assert client.get("/news/archive/").status_code == 404


def test_archive_serves_a_published_site_and_nothing_else(settings: Settings,
                                                          tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "2026-W10").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>Every edition</body></html>")
    (site / "2026-W10" / "index.html").write_text("<html><body>Lock gates</body></html>")
    (site / "secret.txt").write_text("not a page")
    client = TestClient(create_app(settings, SECRET, SiteFolder(site)),
                        base_url="https://tidewater.example")
    assert "Every edition" in client.get("/news/archive/").text
    assert "Lock gates" in client.get("/news/archive/2026-W10/").text
    assert client.get("/news/archive/2026-W11/").status_code == 404
    assert client.get("/news/archive/secret.txt").status_code == 404
    assert client.get("/news/archive/..%2F..%2Fdigest.yaml/").status_code == 404
    assert client.get("/unsubscribe/x").status_code == 404  # only under the public path


def test_a_token_sealing_another_capitalisation_suppresses_the_mailbox(
        client: TestClient, settings: Settings) -> None:
    """Tokens in mail sent before the mailbox key seal the address as the list wrote it."""
    old = f"/news/unsubscribe/{first_scheme_token(SECRET, LIST_ID, 'UNA@Example.ORG')}"
    assert client.post(old, data=ONE_CLICK).status_code == 200
    assert suppressed(settings) == [("una@example.org", "unsubscribed", "one-click")]
    lifted = client.post(url("Una@example.org", action="resubscribe"), data={})
    assert lifted.status_code == 200
    assert suppressed(settings) == []
