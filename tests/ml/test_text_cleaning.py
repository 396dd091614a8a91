"""Cleaning keeps what the customer wrote about the issue and drops the wrapping."""

from __future__ import annotations

import math

import pytest

from ml.text_cleaning import (
    clean_text,
    strip_greeting,
    strip_html,
    strip_quoted_replies,
    strip_signature,
)


def test_html_tags_and_entities_go_and_block_breaks_stay():
    text = "<div><p>Export <b>fails</b> &amp; retries</p><br>again</div><script>x()</script>"
    assert strip_html(text).split() == ["Export", "fails", "&", "retries", "again"]
    assert "\n" in strip_html("<p>one</p><p>two</p>")


def test_quoted_reply_is_cut_at_its_header_and_quote_marks():
    text = "Still broken.\n\nOn Mon, 3 Jun 2024, Support <help@x.com> wrote:\n> Fixed now."
    assert strip_quoted_replies(text).strip() == "Still broken."
    assert strip_quoted_replies("New issue\n> old line\nmore").split() == ["New", "issue", "more"]
    forwarded = "See below\n-----Original Message-----\nFrom: a@b.c\nold thread"
    assert strip_quoted_replies(forwarded).strip() == "See below"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi team, the app crashes", "the app crashes"),
        ("Dear Support Team:\nInvoice wrong", "Invoice wrong"),
        ("hello need vpn access", "need vpn access"),  # a bare greeting goes alone
        ("Hello I need help, please", "I need help, please"),  # three words: not a name
        ("Highlight is broken", "Highlight is broken"),  # `Hi` only as a whole word
    ],
)
def test_greeting_is_dropped_but_not_the_content_after_it(text, expected):
    assert strip_greeting(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cannot log in.\n\nKind regards,\nAnna Smith\nAcme Corp", "Cannot log in."),
        ("Invoice is wrong. Thanks, John", "Invoice is wrong."),
        ("Sync fails\n-- \nJohn Doe | CTO", "Sync fails"),
        ("Crash on start\nSent from my iPhone", "Crash on start"),
    ],
)
def test_signature_is_cut_at_sign_off_delimiter_or_device_line(text, expected):
    assert strip_signature(text).strip() == expected


def test_an_early_thanks_followed_by_content_is_kept():
    text = "Thanks for the fix yesterday, but now the CSV export fails with error 500 every time."
    assert clean_text(text) == text


def test_clean_text_runs_the_chain_and_maps_missing_to_empty():
    message = "<p>Hi team,</p><p>Server is DOWN!!!</p><p>Thanks,<br>Sam</p>"
    assert clean_text(message) == "Server is DOWN!!!"
    assert clean_text(None) == ""
    assert clean_text(math.nan) == ""
    assert clean_text(42) == "42"
