"""The Estuary Weekly: the `weekly` workspace preset (the `workspace` fixture) for the
end-to-end weekly, preview and bad-input tests. Four articles, one from last week and one
scraped and undated; an authors registry; three subscribers."""

from __future__ import annotations

CONFIG = """\
newsletter:
  name: The Estuary Weekly
  id: estuary-weekly
  from: "The Estuary Weekly <news@estuary.example>"
  timezone: Europe/London
  public_url: https://estuary.example/news
  unsubscribe_mailto: leave@estuary.example
  postal_address: "1 Mill Lane, Estuary Town"
smtp:
  url: capture
  connections: 2
  timeout: 10
"""

MARKDOWN_A = """\
---
title: "Dredging Starts in the Inner Basin"
author: Nadia Ferreira
date: 2026-11-24T09:30:00
url: https://estuary.example/2026/dredging
tags: [harbour]
---
The port began dredging the inner basin on Tuesday, the first time in nine years that the
channel has been deepened. Crews expect to lift 40,000 tonnes of silt before Christmas.

Fishing boats will use the outer quay until the work ends. The harbour master said the
change adds ten minutes to each landing.

Residents asked about noise at a meeting on Monday evening.
"""

MARKDOWN_B = """\
---
title: "A Bakery Opens on Rope Street"
author: Tomas Lind
date: 2026-11-26
url: https://estuary.example/2026/bakery
excerpt: "A new bakery on Rope Street sells rye loaves baked in a wood oven from 6 a.m."
---
Queues formed on Thursday morning outside the new bakery on Rope Street.

The owners trained in Copenhagen and moved to the town last spring.
"""

MARKDOWN_OLD = """\
---
title: "Last Week's Regatta Results"
author: Nadia Ferreira
date: 2026-11-18
---
Forty boats raced in the autumn regatta on Saturday under clear skies and a steady breeze.
"""

SCRAPED = """\
Estuary Evening Courier

The Footbridge Reopens After Repairs

The Footbridge Reopens After Repairs

The wooden footbridge over the mill stream reopened on Wednesday after six weeks of repairs that replaced every plank and both handrails. About 1,200 people cross it on a normal weekday, most of them walking to the station.

The council paid for the work from its road maintenance budget. Engineers found rot in four of the nine supporting beams during an inspection in September.

Author

Helena Brookes

Helena Brookes has reported on the town's roads and bridges since 2015. She grew up beside the mill stream and still swims in it every summer. Her first book, about old canals, comes out next year.
"""

SUBSCRIBERS = "email,name,city\nava@example.org,Ava Stone,Leith\nben@example.net,\"Lowe, Ben\",York\ncai@example.com,Cai,\n"

AUTHORS = """\
- name: Nadia Ferreira
  bio: "Nadia Ferreira covers the harbour and its trades for The Estuary Weekly. She keeps a small boat on the outer quay."
"""

ARTICLES = {
    "dredging.md": MARKDOWN_A,
    "bakery.md": MARKDOWN_B,
    "old/regatta.md": MARKDOWN_OLD,
    "footbridge.txt": SCRAPED,
}
# An undated scraped article takes its file's modification time: put it in the week.
MTIMES = {"footbridge.txt": 1_795_780_800}  # 2026-11-27 12:00 UTC, inside 2026-W48
