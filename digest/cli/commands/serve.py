"""`digest serve`: the unsubscribe web service (one-click POST, confirm pages) and the public
archive of anonymous web copies."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from digest.cli.commands.common import add_workspace, settings_from
from digest.errors import ConfigError, DigestError, ExitCode

BEHIND_PROXY_PORT = 8080  # not 8025, which local SMTP servers use


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the unsubscribe web service for the links in sent emails",
        description="Serve the unsubscribe links of sent emails under the path of "
        "newsletter.public_url: one-click unsubscribe (RFC 8058 POST), a confirm page for "
        "GET, a resubscribe page, and the public archive: /archive/ and /archive/<week>/ "
        "for 'View in browser', anonymous copies of the editions sent so far, rendered from "
        "the workspace (or the site `digest publish` wrote, with --site). Put it behind "
        "your HTTPS server at newsletter.public_url. Needs DIGEST_SECRET, the same secret "
        "used when sending. Unsubscribes are written to the workspace database at once.",
    )
    add_workspace(parser)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, metavar="PORT",
                        help="port to listen on (default: the port newsletter.public_url "
                        f"names, else {BEHIND_PROXY_PORT}, for a reverse proxy to forward to; "
                        "0 picks a free one)")
    parser.add_argument("--site", type=Path, metavar="DIR",
                        help="serve /archive/ from the site `digest publish DIR` wrote "
                        "(default: render each sent edition's web copy from the workspace)")
    parser.set_defaults(handler=run)


def default_port(public_url: str) -> int:
    """The port public_url names (http://localhost:8080/digest, served directly), else
    the one a reverse proxy forwards to: public_url's own 443 or 80 is the proxy's."""
    try:
        return urlsplit(public_url).port or BEHIND_PROXY_PORT
    except ValueError:
        return BEHIND_PROXY_PORT


def listen(host: str, port: int) -> socket.socket:
    """Bind here, so a busy port is a clear host:port error rather than a server log line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise DigestError(f"{host}:{port}: cannot listen: {error.strerror or error}") from None
    return sock


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    import uvicorn

    from digest.audience.web import Archive, SiteFolder, create_app
    from digest.cli.archive import EditionArchive

    settings = settings_from(args)
    if not settings.secret:
        raise ConfigError("DIGEST_SECRET", "not set: the service checks unsubscribe links "
                          "with the same secret that signed them when the edition was sent")
    if args.site and not (args.site / "index.html").is_file():
        raise DigestError(f"--site {args.site}: no index.html; write it with "
                          f"`digest publish {args.site}`")
    archive: Archive = SiteFolder(args.site) if args.site else EditionArchive(settings)
    app = create_app(settings, settings.secret, archive)
    port = args.port if args.port is not None else default_port(settings.newsletter.public_url)
    sock = listen(args.host, port)
    host, port = sock.getsockname()[:2]
    path = settings.newsletter.public_url.split("://", 1)[1].partition("/")[2]
    print(f"digest serve: {settings.newsletter.name} listening on "
          f"http://{host}:{port}/{path + '/' if path else ''}"
          f"\n  public URL: {settings.newsletter.public_url} (route it here); Ctrl-C stops",
          file=sys.stderr, flush=True)
    # No access log: each request path holds a token, and tokens identify a subscriber.
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False,
                            lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return ExitCode.OK
