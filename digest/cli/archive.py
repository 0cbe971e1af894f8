"""The public archive rendered from the workspace: which editions it has, and their web copies.

An edition is public once the ledger shows it sent to someone: a week only previewed (a
draft) stays private. Each web copy is rendered from the edition with no subscriber in it
(rendering/web_copy.py), once, and kept: `digest serve` answers /archive/ from here when it
is not given a published site, and `digest publish` writes the same pages to a folder.
"""

from __future__ import annotations

import sys
import threading

from digest.delivery.ledger import Ledger
from digest.delivery.states import DeliveryState
from digest.errors import DigestError, LedgerError
from digest.rendering.web_copy import ArchivedEdition, site_index, web_copy
from digest.settings import Settings
from digest.storage.locations import database_exists, workspace_database
from digest.weeks import parse_week


class EditionArchive:
    """Implements `audience.web.Archive` from the workspace's content and ledger."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._copies: dict[str, ArchivedEdition] = {}
        self._pages: dict[str, str] = {}
        self._lock = threading.Lock()  # the web service asks from several threads

    def sent_weeks(self) -> list[str]:
        """Editions the ledger shows sent to at least one reader, newest first."""
        location = workspace_database(self.settings)
        if not database_exists(location):
            return []
        try:
            with Ledger(location, readonly=True) as ledger:
                return sorted((week for week in ledger.editions()
                               if ledger.counts(week)[DeliveryState.SENT]), reverse=True)
        except LedgerError:  # a database that has never recorded a send
            return []

    def render(self, week: str) -> str:
        """The week's web copy, rendered now (and kept)."""
        from digest.cli.pipeline import prepare_edition  # reads content, templates, plan

        with self._lock:
            if week not in self._pages:
                with prepare_edition(self.settings, parse_week(week),
                                     with_subscribers=False) as prepared:
                    self._pages[week] = web_copy(prepared.rendered, self.settings)
                    self._copies[week] = ArchivedEdition(week, prepared.rendered.subject)
            return self._pages[week]

    def title(self, week: str) -> str:
        self.render(week)
        return self._copies[week].title

    def page(self, week: str) -> str | None:
        if week not in self.sent_weeks():
            return None
        try:
            return self.render(week)
        except DigestError as error:  # the content changed since; say why, serve a 404
            print(f"warning: archive {week}: {error}", file=sys.stderr)
            return None

    def index(self) -> str:
        editions = []
        for week in self.sent_weeks():
            try:
                editions.append(ArchivedEdition(week, self.title(week)))
            except DigestError as error:
                print(f"warning: archive {week}: {error}", file=sys.stderr)
        return site_index(self.settings, editions)
