"""Masking of e-mail addresses and phone numbers in the text the API returns.

One rule for the whole product: the patterns are dbt_project.yml's vars pii_email_pattern and
pii_phone_pattern, which the chat models use to mask message content in the warehouse. Order
and replacements match the dbt macro chat_mask_pii: e-mail first, then phone numbers.
"""

from __future__ import annotations

import re
from functools import cache

import yaml

from supportlake.settings import PROJECT_ROOT

DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project" / "dbt_project.yml"
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


@cache
def pii_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(e-mail, phone) as compiled from the dbt project's vars."""
    with DBT_PROJECT_FILE.open(encoding="utf-8") as handle:
        variables = yaml.safe_load(handle)["vars"]
    return re.compile(variables["pii_email_pattern"]), re.compile(variables["pii_phone_pattern"])


def mask_pii(text: str | None) -> str | None:
    if not text:
        return text
    email, phone = pii_patterns()
    return phone.sub(PHONE_MASK, email.sub(EMAIL_MASK, text))
