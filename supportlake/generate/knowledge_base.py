"""A synthetic help center that agrees with generated tickets, and the tickets that cite it.

Articles are written for what the ticket generator's customers ask about:
- feature categories (Technical, Bug Report, Feature Request, Integration, General Inquiry):
  one article per product, category and feature ("Troubleshooting the invoice editor in
  Ledgerly");
- plan and workspace categories (Billing, Account, Security): one article per product,
  category and kind of request (charges and refunds, invoices, plans and renewals, ...).
Articles are written in a help center's words, not the customers': they share product and
feature names with the tickets, and describe the problems in other words.

A resolved ticket cites the article for the problem its message describes: the sentence
head (which category's problem the customer describes, vocabulary.MESSAGE_HEADS) and the
feature or plan it names, on the ticket's product. The citations are the link records a
helpdesk keeps between cases and knowledge articles (Salesforce's CaseArticle, Zendesk's
knowledge capture): ticket_id, article_id, linked_at, linked_by; they land as the
ticket_article_links source.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from supportlake.generate import vocabulary as vocab

READERS = {".parquet": "read_parquet", ".csv": "read_csv", ".jsonl": "read_json"}
CITE_SHARE = 0.7  # of resolved tickets whose problem has an article: the agent linked it
HELP_CENTER = "https://help.example.com"
FEATURE_CATEGORIES = tuple(c for c in vocab.CATEGORIES if vocab.OBJECT_KIND[c] == "feature")

# Plan and workspace categories: kind of request -> (title, the sentence heads it answers).
REQUEST_KINDS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "Billing": {
        "charges-and-refunds": (
            "{product}: unexpected or duplicate charges and refunds",
            (
                "We were charged twice for ",
                "I would like a refund for ",
                "There is an unexpected charge on ",
                "We were billed for more seats than we have on ",
            ),
        ),
        "invoices": (
            "{product} invoices: totals, copies, VAT numbers and billing details",
            (
                "The invoice total looks wrong for ",
                "I need a copy of last month's invoice for ",
                "Please update the billing address on ",
                "The VAT number is missing on the invoice for ",
            ),
        ),
        "plans-and-renewals": (
            "Changing, renewing or cancelling a {product} subscription",
            (
                "Our card was declined when renewing ",
                "We want to downgrade ",
                "How do I switch to annual billing for ",
                "Please cancel the renewal of ",
            ),
        ),
    },
    "Account": {
        "sign-in": (
            "Signing in to {product}: passwords, two-factor authentication and lockouts",
            (
                "I can't reset my password for ",
                "I lost my 2FA device and can't log in to ",
                "Please unlock my user in ",
                "I can't log in to ",
            ),
        ),
        "users-and-roles": (
            "Managing people in {product}: inviting, removing, admins and ownership",
            (
                "Please add two new users to ",
                "A colleague left, please remove her from ",
                "I need admin rights on ",
                "How do I change the account owner of ",
            ),
        ),
        "account-settings": (
            "Changing your {product} profile, email address and workspace name",
            ("My email change is not applied in ", "How can I rename "),
        ),
    },
    "Security": {
        "suspicious-access": (
            "Suspicious activity in {product}: what to do if your account is compromised",
            (
                "We noticed logins from an unknown country on ",
                "I think someone else has access to ",
                "An ex-employee can still log in to ",
                "We found API keys we did not create in ",
                "Someone changed the 2FA settings of ",
                "Our security team flagged unusual downloads from ",
            ),
        ),
        "phishing-and-incidents": (
            "Phishing messages and security incidents involving {product}",
            (
                "I received a phishing email pretending to be from ",
                "Please confirm whether our data was affected in ",
            ),
        ),
        "compliance": (
            "{product} compliance documents and personal data requests",
            ("We need your SOC 2 report for ", "We need a GDPR data export for "),
        ),
    },
}

# Feature categories: (title, intro, [(heading, text)]) with {feature} and {product}.
FEATURE_ARTICLES = {
    "Technical": (
        "Troubleshooting {feature} in {product}",
        "Use this guide when something goes wrong in {feature}: it closes unexpectedly, "
        "stays empty, responds slowly or does not keep your edits.",
        [
            (
                "Symptoms",
                "{product} shows an error page (HTTP 500 or 'Something went wrong') in "
                "{feature}. Requests to {feature} take longer than a few seconds or time out. "
                "Edits disappear after reloading. Synchronisation of {feature} stalls.",
            ),
            (
                "First checks",
                "Look at the status page for an ongoing {product} incident. Sign out and in "
                "again, clear the browser cache or reinstall the desktop app, and open "
                "{feature} in a private window to rule out browser extensions.",
            ),
            (
                "Collect diagnostics",
                "Note the time, the request id shown with the error and your browser or app "
                "version. Copy error codes from the developer console, for example E-1023.",
            ),
            (
                "When to contact support",
                "If {feature} still fails for several people, our technical team handles it "
                "as an incident: reply with the diagnostics and we restore service first.",
            ),
        ],
    ),
    "Bug Report": (
        "Known issues in {feature} ({product}) and how to report a bug",
        "Most display problems in {feature} come from a handful of known defects with "
        "workarounds; everything else we reproduce from your report.",
        [
            (
                "Known issues",
                "Sums, counters and dates in {feature} can be displayed incorrectly after a "
                "time zone or currency change. Sort order and filters may be lost, accented "
                "letters may be mangled, and a double click can create two records.",
            ),
            (
                "Workarounds",
                "Reload {feature} after changing settings. Export the data to confirm the "
                "stored values are right; only the screen is affected. Remove duplicates "
                "from the list view.",
            ),
            (
                "Report a bug",
                "Send the steps to reproduce, what you expected and what happened, your "
                "browser and a screenshot. Our engineers confirm a defect within two days.",
            ),
        ],
    ),
    "Feature Request": (
        "What {feature} in {product} can do, and how to request an improvement",
        "The product team reads every request for {feature}; this page lists what exists "
        "today and how your idea reaches the roadmap.",
        [
            (
                "Available today",
                "{feature} offers saved views, templates per workspace, CSV downloads and "
                "role-based access. Appearance settings apply to the whole of {product}.",
            ),
            (
                "Request an improvement",
                "Describe the problem the change would solve and how your team works around "
                "it now. Requests with many votes on the roadmap board are planned first.",
            ),
            (
                "Beta programme",
                "Customers can join early access to try new {feature} capabilities before "
                "release and give feedback directly to the product team.",
            ),
        ],
    ),
    "Integration": (
        "Connecting {feature} in {product} with other tools",
        "{feature} exchanges data with chat tools, CRMs, identity providers and your own "
        "systems through connectors, webhooks and the REST API.",
        [
            (
                "Supported connections",
                "Slack, Microsoft Teams, Zapier, Salesforce, Google Workspace, Okta single "
                "sign-on and data warehouse exports can read or write {feature}.",
            ),
            (
                "Authentication errors",
                "An HTTP 401 means the token expired or the API key was regenerated: create "
                "a new key under Settings, API, and reconnect the integration.",
            ),
            (
                "Webhooks and rate limits",
                "Webhooks retry for 24 hours after a failed delivery. The API allows 600 "
                "requests per minute and answers 429 above it; synchronise in batches.",
            ),
        ],
    ),
    "General Inquiry": (
        "Getting started with {feature} in {product}",
        "An overview of {feature} for new teams: what it is for, where to learn it and which "
        "plans include it.",
        [
            (
                "Overview",
                "{feature} is part of every {product} workspace. Administrators decide who "
                "can use it; everyone else sees it in the main menu.",
            ),
            (
                "Guides and training",
                "The documentation has step-by-step guides; onboarding sessions and monthly "
                "webinars walk through {feature} live.",
            ),
            (
                "Plans and contacts",
                "All plans include {feature}; the Business and Enterprise plans add higher "
                "limits. Your account manager answers commercial questions.",
            ),
        ],
    ),
}

# Plan and workspace categories: kind -> [(heading, text)] with {product}.
REQUEST_SECTIONS = {
    "charges-and-refunds": [
        (
            "Why a charge can appear twice",
            "A retried card payment can show as two pending transactions; the second one "
            "disappears within five working days. Added seats are billed pro rata.",
        ),
        (
            "Refunds",
            "Refunds go back to the original payment method within ten days. Send the "
            "invoice number and the amount from your statement.",
        ),
    ],
    "invoices": [
        (
            "Find and download invoices",
            "Every {product} invoice is under Settings, Billing, History as a PDF. Totals "
            "include tax for the billing country.",
        ),
        (
            "Company details and tax numbers",
            "Update the billing address and the VAT or tax number under Billing details; the "
            "next invoice uses them, and we reissue earlier invoices on request.",
        ),
    ],
    "plans-and-renewals": [
        (
            "Change your plan",
            "Owners can move to a smaller or larger {product} plan, or from monthly to "
            "yearly payment, at any time; the difference is credited.",
        ),
        (
            "Renewals and payment failures",
            "A subscription renews automatically. If the card is refused, update it within "
            "14 days. Turn off automatic renewal to end the subscription at term end.",
        ),
    ],
    "sign-in": [
        (
            "Reset a password",
            "Use 'Forgot password' on the {product} sign-in page; the link is valid for one "
            "hour. Check that the message was not filtered by your mail server.",
        ),
        (
            "Two-factor authentication and lockouts",
            "Without your authenticator, sign in with a recovery code. After five failed "
            "attempts an account is locked for 30 minutes; an admin can unlock it sooner.",
        ),
    ],
    "users-and-roles": [
        (
            "Invite and remove people",
            "Admins invite colleagues under Settings, Members, and deactivate people who "
            "leave; their content stays with the workspace.",
        ),
        (
            "Admins and ownership",
            "An admin can grant the admin role. Only the current owner can transfer "
            "ownership of the {product} workspace; otherwise contact support with approval.",
        ),
    ],
    "account-settings": [
        (
            "Profile and email address",
            "A new email address applies after you confirm the verification message sent "
            "to it. Until then {product} keeps the old one.",
        ),
        (
            "Workspace name",
            "Owners rename a workspace under Settings, General; links keep working.",
        ),
    ],
    "suspicious-access": [
        (
            "Secure the account now",
            "Review the sign-in history for unknown places and devices, end all sessions, "
            "reset passwords, revoke unknown API tokens and check two-factor settings.",
        ),
        (
            "Former employees and downloads",
            "Deactivate leavers immediately; the audit log shows exports and downloads by "
            "person so you can see what left {product}.",
        ),
    ],
    "phishing-and-incidents": [
        (
            "Recognise phishing",
            "{product} never asks for your password by email. Forward suspicious messages "
            "to our security team and delete them.",
        ),
        (
            "Incident notifications",
            "If customer data is involved in an incident we notify account owners within "
            "72 hours with what was affected.",
        ),
    ],
    "compliance": [
        (
            "Audit reports",
            "The SOC 2 Type II report and penetration test summary for {product} are "
            "available under NDA from the trust portal.",
        ),
        (
            "Personal data requests",
            "Admins export or delete a person's data under Settings, Privacy; we answer "
            "data subject requests within 30 days as the GDPR requires.",
        ),
    ],
}
REQUEST_INTROS = {
    "Billing": "How {product} bills, and what to do when a charge or invoice looks wrong.",
    "Account": "Everyday account administration for {product} workspaces.",
    "Security": "What to do, and what we do, when the security of a {product} account is "
    "in question.",
}


@dataclass(frozen=True)
class Article:
    article_id: str
    title: str
    product: str
    category: str
    topic: str  # the feature, or the kind of request
    body: str  # markdown: '# ' headings cut it into sections
    updated_at: str
    url: str

    def record(self) -> dict[str, str | list[str]]:
        """One object of the JSON-lines export (the knowledge_base source's fields)."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "body": self.body,
            "product": self.product,
            "tags": [self.category, self.topic],
            "updated_at": self.updated_at,
            "url": self.url,
        }


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().removeprefix("the ")).strip("-")


def _markdown(intro: str, sections: list[tuple[str, str]]) -> str:
    parts = [intro] + [f"# {heading}\n{text}" for heading, text in sections]
    return "\n\n".join(parts)


def build_articles(seed: int = 0) -> list[Article]:
    """Every article of the help center, in a fixed order; updated_at drawn from seed."""
    rng = np.random.default_rng([seed, 7])
    articles = []
    for product in vocab.PRODUCT_LINES:
        for category in vocab.CATEGORIES:
            if category in FEATURE_ARTICLES:
                title, intro, sections = FEATURE_ARTICLES[category]
                for feature in vocab.PRODUCT_FEATURES[product]:
                    values = {"feature": feature, "product": product}
                    articles.append(
                        _article(
                            product,
                            category,
                            feature,
                            _capital(title.format(**values)),
                            _markdown(
                                _capital(intro.format(**values)),
                                [(h, _sentences(t.format(**values))) for h, t in sections],
                            ),
                            rng,
                        )
                    )
            else:
                for kind, (title, _heads) in REQUEST_KINDS[category].items():
                    values = {"product": product}
                    sections = [(h, t.format(**values)) for h, t in REQUEST_SECTIONS[kind]]
                    articles.append(
                        _article(
                            product,
                            category,
                            kind,
                            title.format(**values),
                            _markdown(REQUEST_INTROS[category].format(**values), sections),
                            rng,
                        )
                    )
    return articles


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentences(text: str) -> str:
    # A feature name can open a sentence ("the invoice editor offers ..."): capitalise it.
    return re.sub(r"(^|\. )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def _article(product, category, topic, title, body, rng) -> Article:
    article_id = f"kb-{slug(product)}-{slug(category)}-{slug(topic)}"
    updated = datetime(2023, 6, 1, tzinfo=UTC) + timedelta(minutes=int(rng.integers(0, 600_000)))
    return Article(
        article_id=article_id,
        title=title,
        product=product,
        category=category,
        topic=topic,
        body=body,
        updated_at=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        url=f"{HELP_CENTER}/{slug(product)}/{article_id}",
    )


class ProblemFinder:
    """Which article answers a ticket message: its sentence head and the thing it names."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles: dict[tuple[str, str, str | None], str] = {
            (a.product, a.category, a.topic): a.article_id for a in articles
        }
        self.head_category: dict[str, str] = {}
        self.head_kind: dict[str, str] = {}
        for category, heads in vocab.MESSAGE_HEADS.items():
            for head in heads:
                self.head_category.setdefault(head, category)
        for kinds in REQUEST_KINDS.values():
            for kind, (_title, heads) in kinds.items():
                for head in heads:
                    self.head_kind[head] = kind
        unassigned = [
            head
            for category in REQUEST_KINDS
            for head in vocab.MESSAGE_HEADS[category]
            if head not in self.head_kind
        ]
        if unassigned:
            raise ValueError(f"message heads without a kind of request: {unassigned}")
        # Longest heads first, so a head that extends another wins.
        alternatives = sorted(self.head_category, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(head) for head in alternatives))

    def article_for(self, product: str | None, message: str | None) -> str | None:
        if not product or not message or product not in vocab.PRODUCT_FEATURES:
            return None
        found = self.pattern.search(message)
        if found is None:
            return None
        head = found.group(0)
        category = self.head_category[head]
        topic: str | None
        if category in REQUEST_KINDS:
            topic = self.head_kind[head]
        else:
            rest = message[found.end() :]
            topic = next((f for f in vocab.PRODUCT_FEATURES[product] if rest.startswith(f)), None)
        return self.articles.get((product, category, topic))


@dataclass
class KnowledgeBaseSummary:
    articles_path: Path
    links_path: Path
    articles: int
    tickets_read: int
    links: int
    tickets_without_article: int  # resolved tickets whose message names no known problem


def generate_knowledge_base(
    tickets_dir: Path | str, articles_dir: Path | str, links_dir: Path | str, seed: int = 0
) -> KnowledgeBaseSummary:
    """Write knowledge-base-<seed>.jsonl (articles) and ticket-article-links-<seed>.jsonl
    (which resolved tickets cite which article) for the ticket files in tickets_dir."""
    articles = build_articles(seed)
    finder = ProblemFinder(articles)
    tickets = _read_resolved_tickets(Path(tickets_dir))
    links, unanswered = [], 0
    for ticket_id, product, message, resolved_at, agent_id in tickets:
        article_id = finder.article_for(product, message)
        if article_id is None:
            unanswered += 1
            continue
        draw = np.random.default_rng([seed, zlib.crc32(ticket_id.encode())]).random()
        if draw < CITE_SHARE:
            links.append(
                {
                    "ticket_id": ticket_id,
                    "article_id": article_id,
                    "linked_at": resolved_at,
                    "linked_by": agent_id,
                }
            )
    articles_path = _write_lines(
        Path(articles_dir) / f"knowledge-base-{seed}.jsonl", [a.record() for a in articles]
    )
    links_path = _write_lines(Path(links_dir) / f"ticket-article-links-{seed}.jsonl", links)
    return KnowledgeBaseSummary(
        articles_path, links_path, len(articles), len(tickets), len(links), unanswered
    )


def _write_lines(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _read_resolved_tickets(tickets_dir: Path) -> list[tuple]:
    """(ticket_id, product_line, message, resolved_at, agent_id) of the newest copy of each
    resolved or closed ticket with an id and a readable resolution time."""
    files = sorted(p for p in tickets_dir.iterdir() if p.suffix in READERS and p.is_file())
    if not files:
        raise FileNotFoundError(f"no ticket files (parquet, csv, jsonl) in {tickets_dir}")
    reader = READERS[files[0].suffix]
    paths = [str(p) for p in files if p.suffix == files[0].suffix]
    options = ", all_varchar = true" if reader == "read_csv" else ""
    sql = f"""
        select
            cast(ticket_id as varchar), product_line, message,
            strftime(timezone('UTC', try_cast(resolved_at as timestamptz)),
                '%Y-%m-%dT%H:%M:%SZ') as resolved_at,
            agent_id
        from {reader}({paths!r}{options})
        where ticket_id is not null
        qualify row_number() over (
            partition by ticket_id order by updated_at desc nulls last
        ) = 1 and trim(status) in ('Resolved', 'Closed') and resolved_at is not null
        order by 1
    """
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        return connection.execute(sql).fetchall()
