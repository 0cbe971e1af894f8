"""A workspace ready for real readers (no placeholders, https, a DKIM key, authors with
bios) sending to a test SMTP server: what `digest weekly` may send without --force.
Its one article is from 2020-W10, a week surely in the past."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.audience import digest_env
from tests.support.workspaces import write

WEEK = "2020-W10"
READERS = {"ada@saltings-weekly.net": "Ada Reed", "bo@saltings-weekly.net": "Bo Lind",
           "cy@saltings-weekly.net": "Cy Moss"}
SECRET = "ready-secret-5d2c"

CONFIG = """\
newsletter:
  name: Saltings Weekly
  id: saltings-weekly
  from: "Saltings Weekly <editor@saltings-weekly.net>"
  timezone: UTC
  public_url: https://saltings-weekly.net/letters
  unsubscribe_mailto: leave@saltings-weekly.net
  postal_address: "3 Creek Lane, Saltings"
smtp:
  url: {smtp_url}
  timeout: 10
dkim:
  selector: s2020
  key: dkim/s2020.pem
"""

ARTICLE = """\
---
title: "The Creek Footpath Reopens"
author: Mira Holm
date: 2020-03-03
url: https://saltings-weekly.net/2020/footpath
---
The footpath along the creek reopened on Tuesday after the winter floods washed out two
of its bridges. Walkers were back on it by noon.

The council replaced both bridges with wider ones that sit higher above the water.
"""

AUTHORS = """\
- name: Mira Holm
  bio: "Mira Holm walks the creek path most mornings and writes about the marshes."
"""


def ready_workspace(root: Path, smtp_url: str) -> Path:
    """Write the workspace and make its DKIM key with `digest dkim keygen`."""
    write(root / "digest.yaml", CONFIG.format(smtp_url=smtp_url))
    write(root / "content" / "footpath.md", ARTICLE)
    write(root / "authors.yaml", AUTHORS)
    write(root / "subscribers" / "readers.csv",
          "email,name\n" + "".join(f"{email},{name}\n" for email, name in READERS.items()))
    subprocess.run([sys.executable, "-m", "digest", "dkim", "keygen", "--selector", "s2020",
                    "--type", "ed25519", "--domain", "saltings-weekly.net", "-w", str(root)],
                   check=True, capture_output=True, env=digest_env(), timeout=60)
    return root


def env(**extra: str) -> dict[str, str]:
    """The environment of a real send: the unsubscribe secret, no colour codes to read past."""
    return digest_env(DIGEST_SECRET=SECRET, NO_COLOR="1", **extra)
