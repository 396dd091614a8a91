"""A small knowledge base in the three export shapes: markdown, HTML and a JSON export."""

from __future__ import annotations

import json
from pathlib import Path

REFUNDS_MD = """---
title: Refund a duplicate charge
product: Ledgerly
tags: [billing, refund]
updated_at: 2025-03-01 10:00:00
url: https://help.example.com/kb/refunds
---
When a customer was charged twice, refund the duplicate payment.

## Check the invoice
Open the customer's invoices in Ledgerly and find the two payments for the same period.

## Refund the duplicate
Select the newer payment and click Refund. The money is back on the card within 5 days.
Tell the customer the refund id shown on screen.
"""

SYNC_HTML = """<html><head><title>Fix a stuck desktop sync</title>
<meta name="product" content="Nimbus Drive"><meta name="tags" content="sync, desktop">
<meta name="updated_at" content="2025-02-10T08:00:00Z"><meta name="article_id" content="kb-sync">
<style>p { color: red }</style></head>
<body><nav>Home &gt; Drive</nav><h1>Fix a stuck desktop sync</h1>
<p>Large uploads can stall the sync client.</p>
<h2>Restart the client</h2><p>Quit Nimbus Drive from the tray and start it again.</p>
<h2>Error E4012</h2><p>E4012 means the shared folder was moved; ask the owner to share it
again.</p></body></html>
"""

EXPORT = [
    {
        "article_id": "kb-password",
        "title": "Reset a password when the email never arrives",
        "body": "## Check the spam folder\nReset emails come from no-reply@example.com.\n"
        "## Send a new link\nUse Admin > Users > Send reset link; links expire after 1 hour.",
        "product": "Helix CRM",
        "tags": ["account", "login"],
        "updated_at": "2025-01-15 09:00:00",
    },
    {"article_id": "kb-empty", "title": "Draft", "body": "  ", "product": "Helix CRM"},
]

NO_TITLE_MD = "Just some text without any heading or front matter.\n"


def write_knowledge_base(landing: Path) -> Path:
    """landing/knowledge_base/ with 2 markdown files (one unusable), 1 HTML, 1 JSON export."""
    folder = landing / "knowledge_base"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refunds.md").write_text(REFUNDS_MD)
    (folder / "sync.html").write_text(SYNC_HTML)
    (folder / "export.json").write_text(json.dumps(EXPORT))
    (folder / "notes.md").write_text(NO_TITLE_MD)
    return folder
