"""Headless Chromium: screenshots of a preview, and what a reader sees at a given width.

Chromium runs as a subprocess with a throwaway profile and no network (every host name
resolves to nothing), so previews load instantly and nothing leaves the machine. Headless
windows are at least 500 px wide, so we drive it over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4) and emulate the viewport,
and the reader's light or dark colour scheme (`prefers-color-scheme`).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.errors import BrowserError
from digest.files import write_atomically

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
# Runs after the load event: layout is complete, so rectangles are what a reader sees.
_PROBE = r"""(function () {
  function box(el) { var r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; }
  function shown(el) { var s = getComputedStyle(el);
    return s.display !== "none" && s.visibility !== "hidden" && box(el).height > 0; }
  function ownText(el) { var t = "";
    el.childNodes.forEach(function (n) { if (n.nodeType === 3) t += n.textContent; });
    return t.replace(/\s+/g, " ").trim(); }
  function background(el) {  // the first colour painted behind the element
    for (; el; el = el.parentElement) { var c = getComputedStyle(el).backgroundColor;
      if (c && c !== "transparent" && c !== "rgba(0, 0, 0, 0)") return c; }
    return "rgb(255, 255, 255)"; }
  var out = {
    innerWidth: innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    lang: document.documentElement.getAttribute("lang"),
    title: document.title,
    text: document.body.innerText,
    images: [].map.call(document.images, function (i) {
      return {src: i.getAttribute("src"), alt: i.getAttribute("alt"),
              box: box(i), shown: shown(i)}; }),
    links: [].map.call(document.links, function (a) {
      return {href: a.getAttribute("href"), text: a.innerText.trim(),
              box: box(a), shown: shown(a)}; }),
    texts: [].filter.call(document.querySelectorAll("body *"), function (el) {
      return ownText(el) && shown(el); }).map(function (el) {
      var s = getComputedStyle(el), styled = el.closest('[class*="digest-"]');
      return {text: ownText(el), tag: el.tagName.toLowerCase(), color: s.color,
              background: background(el), fontSize: s.fontSize,
              classes: styled ? styled.className : ""}; }),
    headings: [].map.call(document.querySelectorAll("h1, h2"), function (h) {
      return {text: h.innerText.trim(), box: box(h), shown: shown(h)}; }),
    meta: [].map.call(document.querySelectorAll("meta[name]"), function (m) {
      return [m.getAttribute("name"), m.getAttribute("content")]; })
  };
  return JSON.stringify(out);
})()"""


@dataclass(frozen=True)
class PageView:
    """What a reader sees at one window width."""

    width: int
    data: dict[str, Any]

    @property
    def scrolls_sideways(self) -> bool:
        return int(self.data["scrollWidth"]) > int(self.data["innerWidth"])

    @property
    def text(self) -> str:
        return str(self.data["text"])

    @property
    def images(self) -> list[dict[str, Any]]:
        return list(self.data["images"])

    @property
    def links(self) -> list[dict[str, Any]]:
        return list(self.data["links"])

    @property
    def headings(self) -> list[dict[str, Any]]:
        return list(self.data["headings"])

    @property
    def texts(self) -> list[dict[str, Any]]:
        """Each element holding text of its own: text, tag, colour, the background painted
        behind it, font size, and the class of its nearest `digest-` styled ancestor."""
        return list(self.data["texts"])


def find_chromium() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class _DevTools:
    """One headless Chromium and one page, driven over the DevTools pipe."""

    def __init__(self, timeout: float) -> None:
        binary = find_chromium()
        if binary is None:
            raise BrowserError("headless Chromium not found (install the `chromium` package)")
        self.binary = binary
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="digest-chromium-",
                                                    ignore_cleanup_errors=True)
        to_chrome, self._write = os.pipe()
        self._read, from_chrome = os.pipe()

        def wire_pipes() -> None:  # Chromium expects to read fd 3 and write fd 4
            inbound, outbound = os.dup(to_chrome), os.dup(from_chrome)
            os.dup2(inbound, 3)
            os.dup2(outbound, 4)

        self._process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
             f"--user-data-dir={self._profile.name}",
             # No network: remote images fail at once instead of waiting on DNS.
             "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, pass_fds=(3, 4), env={**os.environ, "HOME": self._profile.name},
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._read], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self._read, 1 << 20) if ready else b""
            if not chunk:
                raise BrowserError(f"{self.binary}: no answer within {self.timeout:.0f} s "
                                   "or it exited")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        request: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self._write, json.dumps(request).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"Chromium refused {method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._events.append(reply)

    def page(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call(method, params, self.session)

    def wait_for(self, event: str) -> None:
        while True:
            while self._events:
                if self._events.pop(0).get("method") == event:
                    return
            self._events.append(self._receive())

    def open(self, url: str, width: int, color_scheme: str = "light") -> None:
        """Load `url` in a `width`-pixel viewport (a phone's, below 500 px), as a reader
        whose system asks for the `color_scheme` ("light" or "dark")."""
        self.page("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1,
                   "mobile": width < 500})
        self.page("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme", "value": color_scheme}]})
        self.page("Page.enable")
        self.page("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def close(self) -> None:
        for fd in (self._write, self._read):
            os.close(fd)
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        # Chromium's helper processes may still be writing to the profile for a moment
        # after the browser exits: retry briefly, then leave the temporary folder behind
        # rather than fail a screenshot that was already written.
        for _ in range(20):
            try:
                shutil.rmtree(self._profile.name)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)


def screenshot(page: Path, png: Path, width: int, timeout: float = 60,
               color_scheme: str = "light") -> Path:
    """A full-length PNG of `page` in a `width`-pixel viewport, written atomically."""
    chrome = _DevTools(timeout)
    try:
        chrome.open(page.resolve().as_uri(), width, color_scheme)
        size = chrome.page("Page.getLayoutMetrics")["cssContentSize"]
        shot = chrome.page("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}})
    finally:
        chrome.close()
    write_atomically(png, base64.b64decode(shot["data"]))
    return png


def inspect(page: Path, widths: tuple[int, ...] = (375, 1024), timeout: float = 60,
            color_scheme: str = "light") -> dict[int, PageView]:
    """Load `page` at each width and report layout, text, images and links as rendered."""
    chrome = _DevTools(timeout)
    views: dict[int, PageView] = {}
    try:
        for width in widths:
            chrome.open(page.resolve().as_uri(), width, color_scheme)
            result = chrome.page("Runtime.evaluate",
                                 {"expression": _PROBE, "returnByValue": True})
            views[width] = PageView(width, json.loads(result["result"]["value"]))
    finally:
        chrome.close()
    return views
