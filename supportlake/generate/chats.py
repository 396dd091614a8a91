"""Synthetic chat exports in the source format of source_chat_data.csv, messy on purpose.

Vectorised with numpy + pyarrow, one partition (file) at a time so memory stays bounded, and
deterministic per seed: partition p draws from `default_rng([seed, p])` only. numpy and
pyarrow are imported inside the functions: the CLI registers `generate chats` at start-up
and should not pay for them.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from supportlake.console import progress_bar
from supportlake.sources import CHATS

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

FIRST_CHAT_ID = 6_000_000
LANGUAGES = ("nl", "fr", "en")
LANGUAGE_WEIGHTS = (0.6, 0.25, 0.15)
ORGANIZATIONS = {"nl": ("17", "21", "23"), "fr": ("18", "24"), "en": ("19",)}
DAYS_SPANNED = 540
START_DATE = "2024-01-01T00:00:00"

# Rates of the mess real exports carry. Chat-level rates are per chat, message-level per message.
DEFAULT_MESS = {
    "malformed_log": 0.004,  # broken JSON (missing comma, single quotes, stray brace)
    "truncated_log": 0.004,  # JSON cut off mid-way, as a size-limited export does
    "null_log": 0.005,  # conversation_log empty
    "re_exported": 0.02,  # chat exported again in the next file with a later updated_at
    "count_mismatch": 0.01,  # message_count disagrees with the log
    "extra_structured_keys": 0.05,  # structured_info carries keys the contract does not know
    "bad_structured_info": 0.002,  # structured_info is not JSON
    "bad_timestamp": 0.002,  # impossible created_at
    "unknown_role": 0.004,  # per message: role outside assistant/user
    "messy_role": 0.01,  # per message: role in odd case / padded, still recognisable
    "empty_content": 0.01,  # per message: "", whitespace or null content
    "pii": 0.08,  # per user message: an e-mail address or phone number in the text
    "formula": 0.01,  # per user message: text starting with = + - @
}

# Per language: default greeting + its disclaimer, the second default message, then
# (head, tail) templates whose middle is filled from a slot pool.
GREETINGS = {
    "nl": (
        "Hallo, ik ben Vera, jouw online reisassistent! Stel me je vragen en ik help je bij het "
        "vinden van je perfecte vakantie.",
        "Vera gebruikt AI voor haar antwoorden en kan daarom fouten maken.",
        "Waarmee kan ik je helpen?",
    ),
    "fr": (
        "Bonjour, je suis Vera, votre assistante de voyage en ligne ! Posez-moi vos questions et "
        "je vous aiderai à trouver les vacances parfaites.",
        "Vera utilise l'IA pour ses réponses et peut donc faire des erreurs.",
        "Comment puis-je vous aider ?",
    ),
    "en": (
        "Hi, I'm Vera, your online travel assistant! Ask me anything and I'll help you find your "
        "perfect holiday.",
        "Vera uses AI for her answers and can make mistakes.",
        "How can I help you?",
    ),
}
USER_TEMPLATES = {
    "nl": (
        ("Ik zoek een hotel in ", " voor de zomervakantie.", "place"),
        ("Wat is het weer in ", " in augustus?", "place"),
        ("Hebben jullie all-inclusive reizen naar ", "?", "place"),
        ("Kunnen jullie mij terugbellen? ", "", "pii"),
        ("Ja graag", "", "none"),
        ("Bedankt, dat is duidelijk!", "", "none"),
        ("", "", "formula"),
    ),
    "fr": (
        ("Je cherche un hôtel à ", " pour les vacances d'été.", "place"),
        ("Quel temps fait-il à ", " en août ?", "place"),
        ("Avez-vous des séjours tout compris à ", " ?", "place"),
        ("Pouvez-vous me contacter ? ", "", "pii"),
        ("Oui, merci", "", "none"),
        ("Merci beaucoup !", "", "none"),
        ("", "", "formula"),
    ),
    "en": (
        ("I'm looking for a hotel in ", " for the summer holidays.", "place"),
        ("What is the weather like in ", " in August?", "place"),
        ("Do you have all-inclusive trips to ", "?", "place"),
        ("Could you get back to me? ", "", "pii"),
        ("Yes please", "", "none"),
        ("Thanks, that's clear!", "", "none"),
        ("", "", "formula"),
    ),
}
ASSISTANT_TEMPLATES = {
    "nl": (
        ("Goede keuze! In ", " vind je veel hotels vlak bij het strand.", "place"),
        ("In de zomer is het in ", " meestal zonnig en warm.", "place"),
        ("Ik heb een paar aanbiedingen gevonden. Wil je dat ik ze laat zien?", "", "none"),
        ("Graag gedaan! Fijne vakantie.", "", "none"),
    ),
    "fr": (
        ("Bon choix ! À ", " vous trouverez de nombreux hôtels près de la plage.", "place"),
        ("En été, il fait généralement beau et chaud à ", ".", "place"),
        ("J'ai trouvé quelques offres. Voulez-vous que je vous les montre ?", "", "none"),
        ("Avec plaisir ! Bonnes vacances.", "", "none"),
    ),
    "en": (
        ("Good choice! In ", " you'll find plenty of hotels close to the beach.", "place"),
        ("In summer the weather in ", " is usually sunny and warm.", "place"),
        ("I found a few offers. Shall I show them to you?", "", "none"),
        ("You're welcome! Have a great holiday.", "", "none"),
    ),
}
PLACES = (
    "Barcelona",
    "Kreta",
    "Lissabon",
    "Rome",
    "Nice",
    "Antalya",
    "Tenerife",
    "Málaga",
    "Ardennen",
    "Zeeland",
    "Côte d'Azur",
    "Bali",
)
COUNTRIES = {
    "Barcelona": "Spain",
    "Kreta": "Greece",
    "Lissabon": "Portugal",
    "Rome": "Italy",
    "Nice": "France",
    "Antalya": "Turkey",
    "Tenerife": "Spain",
    "Málaga": "Spain",
    "Ardennen": "Belgium",
    "Zeeland": "Netherlands",
    "Côte d'Azur": "France",
    "Bali": "Indonesia",
}
FORMULAS = (
    '=HYPERLINK("http://example.com/x","klik")',
    "+31 6 12345678 bel me",
    "-10% korting nog geldig?",
    "@Vera hallo?",
    "=1+1",
)
FIRST_NAMES = ("jan", "sanne", "pieter", "marie", "lucas", "emma", "noah", "julie", "tom", "lisa")
LAST_NAMES = ("jansen", "de vries", "dubois", "martin", "smith", "bakker", "peeters", "leroy")
MAIL_DOMAINS = ("example.nl", "example.fr", "example.com", "mail.example.be")
ACTIONS = ("get_in_touch", "show_offers", "book_trip", "newsletter_signup", "faq")
TRIP_TYPES = ("beach", "city", "all-inclusive", "camping", "ski", "round trip")
UNKNOWN_ROLES = ("system", "tool", "moderator", "")
MESSY_ROLES = {
    "user": ("User", " user", "USER "),
    "assistant": ("Assistant", "ASSISTANT", " assistant"),
}
ASSISTANT_TYPES = ("text", "recommendation")


@dataclass
class ChatGenerationSummary:
    """What a generation run wrote, with the mess it injected, for the summary and for tests."""

    out_dir: str
    seed: int
    file_format: str
    chats: int = 0
    rows_written: int = 0  # chats + re-exported copies
    messages: int = 0  # messages inside the logs of the rows written (before log damage)
    files: list[str] = field(default_factory=list)
    mess: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _uuid4_strings(rng: np.random.Generator, count: int) -> pa.Array:
    """`count` random UUID4 strings, built as bytes without a Python loop."""
    import numpy as np
    import pyarrow as pa

    raw = rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    hexed = np.empty((count, 32), dtype=np.uint8)
    hexed[:, 0::2] = digits[raw >> 4]
    hexed[:, 1::2] = digits[raw & 0x0F]
    text = np.full((count, 36), ord("-"), dtype=np.uint8)
    for start, stop, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, at : at + stop - start] = hexed[:, start:stop]
    return pa.array(text.view("S36").ravel()).cast(pa.string())


def _json_quote(values: list[str]) -> list[str]:
    return [json.dumps(value, ensure_ascii=False) for value in values]


def _iso(timestamps: np.ndarray) -> pa.Array:
    """ISO 8601 text with microseconds, as the source export writes it (cast beats strftime)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.cast(pa.array(timestamps.astype("datetime64[us]")), pa.string())
    return pc.replace_substring(text, " ", "T", max_replacements=1)


def _pools(rng: np.random.Generator) -> dict[str, list[str]]:
    """Slot values (already JSON-escaped, without quotes), drawn once per partition."""
    first = rng.choice(FIRST_NAMES, 200)
    last = rng.choice(LAST_NAMES, 200)
    domains = rng.choice(MAIL_DOMAINS, 200)
    emails = [
        f"mijn e-mail is {f}.{surname.replace(' ', '')}@{d}"
        for f, surname, d in zip(first, last, domains, strict=True)
    ]
    phones = [
        f"bel me op +31 6 {number:08d}" if number % 2 else f"mijn nummer is 06-{number:08d}"
        for number in rng.integers(0, 10**8, 200)
    ]
    pools = {"place": list(PLACES), "pii": emails + phones, "formula": list(FORMULAS), "none": [""]}
    return {
        kind: [json.dumps(value, ensure_ascii=False)[1:-1] for value in values]
        for kind, values in pools.items()
    }


class _TemplateTable:
    """Flat template table with (language, role) groups, for vectorised template choice."""

    def __init__(self, pools: dict[str, list[str]]) -> None:
        import numpy as np
        import pyarrow as pa

        self.kinds = list(pools)
        self.slot_values: list[str] = []
        self.kind_start = {}
        for kind in self.kinds:
            self.kind_start[kind] = len(self.slot_values)
            self.slot_values.extend(pools[kind])
        self.kind_size = {kind: len(pools[kind]) for kind in self.kinds}
        heads: list[str] = []
        tails: list[str] = []
        slot_start: list[int] = []
        slot_size: list[int] = []
        is_pii: list[bool] = []
        is_formula: list[bool] = []
        is_place: list[bool] = []
        self.group_start: dict[tuple[str, str], int] = {}
        self.group_size: dict[tuple[str, str], int] = {}
        for role, templates in (("user", USER_TEMPLATES), ("assistant", ASSISTANT_TEMPLATES)):
            for language in LANGUAGES:
                self.group_start[(language, role)] = len(heads)
                self.group_size[(language, role)] = len(templates[language])
                for head, tail, kind in templates[language]:
                    heads.append(json.dumps(head, ensure_ascii=False)[1:-1])
                    tails.append(json.dumps(tail, ensure_ascii=False)[1:-1])
                    slot_start.append(self.kind_start[kind])
                    slot_size.append(self.kind_size[kind])
                    is_pii.append(kind == "pii")
                    is_formula.append(kind == "formula")
                    is_place.append(kind == "place")
        self.heads = pa.array(heads)
        self.tails = pa.array(tails)
        self.slot_start = np.array(slot_start)
        self.slot_size = np.array(slot_size)
        self.is_pii = np.array(is_pii)
        self.is_formula = np.array(is_formula)
        self.is_place = np.array(is_place)
        self.slots = pa.array(self.slot_values)

    def first_of(self, kind: str) -> np.ndarray:
        """Per language (LANGUAGES order): the index of its first user template of `kind`."""
        import numpy as np

        flags = {"pii": self.is_pii, "formula": self.is_formula}[kind]
        return np.array(
            [
                self.group_start[(language, "user")]
                + int(np.argmax(flags[self.group_start[(language, "user")] :]))
                for language in LANGUAGES
            ]
        )


def _segment_offsets(counts: np.ndarray) -> np.ndarray:
    import numpy as np

    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


@dataclass
class _Partition:
    table: pa.Table  # all columns text, in CHATS.columns order
    updated: np.ndarray  # updated_at as datetime64[us], for re-exports
    language_index: np.ndarray
    message_counts: np.ndarray  # messages really in each log (before damage)
    injected: dict[str, int]


def _build_partition(
    rng: np.random.Generator, first_chat_id: int, count: int, mess: dict[str, float]
) -> _Partition:
    """One partition of `count` chats with its mess injected."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    injected: dict[str, int] = dict.fromkeys(mess, 0)
    chat_ids = np.arange(first_chat_id, first_chat_id + count)
    language_index = rng.choice(len(LANGUAGES), size=count, p=LANGUAGE_WEIGHTS)
    languages = np.array(LANGUAGES)[language_index]

    # Conversation shape: 1-2 default greeting messages, then user/assistant turns.
    greetings = rng.integers(1, 3, size=count)
    turns = np.where(rng.random(count) < 0.75, rng.poisson(1.6, size=count), 0)
    # A user message sometimes goes unanswered (the chat ends on the user).
    unanswered = (turns > 0) & (rng.random(count) < 0.15)
    message_counts = greetings + 2 * turns - unanswered
    offsets = _segment_offsets(message_counts)
    total = int(offsets[-1])
    chat_of = np.repeat(np.arange(count), message_counts)
    position = np.arange(total) - offsets[:-1][chat_of]
    after_greeting = position - greetings[chat_of]
    is_greeting = after_greeting < 0
    is_user = ~is_greeting & (after_greeting % 2 == 0)
    message_language = language_index[chat_of]

    # Content: default greetings verbatim; other messages from (head, slot, tail) templates.
    pools = _pools(rng)
    table = _TemplateTable(pools)
    greeting_text = pa.array(
        [json.dumps(GREETINGS[lang][0], ensure_ascii=False)[1:-1] for lang in LANGUAGES]
        + [json.dumps(GREETINGS[lang][2], ensure_ascii=False)[1:-1] for lang in LANGUAGES]
    )
    disclaimers = pa.array(_json_quote([GREETINGS[lang][1] for lang in LANGUAGES]) + ["null"])
    group_start = np.empty((len(LANGUAGES), 2), dtype=np.int64)
    group_size = np.empty((len(LANGUAGES), 2), dtype=np.int64)
    for li, language in enumerate(LANGUAGES):
        for ri, role in enumerate(("assistant", "user")):
            group_start[li, ri] = table.group_start[(language, role)]
            group_size[li, ri] = table.group_size[(language, role)]
    role_index = is_user.astype(np.int64)
    template = (
        group_start[message_language, role_index]
        + rng.integers(0, 1 << 30, size=total) % group_size[message_language, role_index]
    )
    # PII and formulas are user-message mess with their own rates: redraw templates that
    # picked them by chance, then force the requested share.
    special = table.is_pii[template] | table.is_formula[template]
    plain_user = group_start[message_language, 1] + rng.integers(0, 3, size=total)
    template = np.where(special, np.where(is_user, plain_user, template), template)
    pii_template = table.first_of("pii")[message_language]
    formula_template = table.first_of("formula")[message_language]
    draw = rng.random(total)
    wants_pii = is_user & (draw < mess["pii"])
    wants_formula = is_user & ~wants_pii & (draw < mess["pii"] + mess["formula"])
    template = np.where(wants_pii, pii_template, template)
    template = np.where(wants_formula, formula_template, template)
    injected["pii"] = int(wants_pii.sum())
    injected["formula"] = int(wants_formula.sum())
    slot = (
        table.slot_start[template]
        + rng.integers(0, 1 << 30, size=total) % table.slot_size[template]
    )
    body = pc.binary_join_element_wise(
        pc.take(table.heads, pa.array(template)),
        pc.take(table.slots, pa.array(slot)),
        pc.take(table.tails, pa.array(template)),
        "",
    )
    greeting_index = np.where(position == 0, message_language, len(LANGUAGES) + message_language)
    greeting_body = pc.take(greeting_text, pa.array(np.where(is_greeting, greeting_index, 0)))
    body = pc.if_else(pa.array(is_greeting), greeting_body, body)
    content = pc.binary_join_element_wise('"', body, '"', "")
    empty = rng.random(total) < mess["empty_content"]
    empty_kind = rng.integers(0, 3, size=total)
    content = pc.if_else(
        pa.array(empty),
        pc.take(pa.array(['""', '"   "', "null"]), pa.array(empty_kind)),
        content,
    )
    injected["empty_content"] = int(empty.sum())

    # Roles, with odd spellings and unknown roles mixed in.
    roles = np.where(is_user, "user", "assistant").astype(object)
    role_draw = rng.random(total)
    unknown = role_draw < mess["unknown_role"]
    messy = ~unknown & (role_draw < mess["unknown_role"] + mess["messy_role"])
    for index in np.flatnonzero(messy):
        roles[index] = MESSY_ROLES[roles[index]][index % 3]
    roles[unknown] = rng.choice(UNKNOWN_ROLES, size=int(unknown.sum()))
    injected["unknown_role"] = int(unknown.sum())
    injected["messy_role"] = int(messy.sum())
    types = np.where(
        is_greeting, "default", np.where(is_user, "text", rng.choice(ASSISTANT_TYPES, size=total))
    )
    disclaimer = pc.take(disclaimers, pa.array(np.where(position == 0, message_language, 3)))

    # Time: a chat starts during the day more often than at night; turns take seconds.
    day = rng.integers(0, DAYS_SPANNED, size=count)
    second_of_day = np.clip(rng.normal(14 * 3600, 4 * 3600, size=count), 0, 86_399).astype(np.int64)
    micro = rng.integers(0, 1_000_000, size=count)
    created = np.datetime64(START_DATE, "us") + (
        (day * 86_400 + second_of_day) * 1_000_000 + micro
    ).astype("timedelta64[us]")
    delay_us = np.where(
        is_greeting,
        rng.integers(1_000, 60_000, size=total),
        np.where(
            is_user,
            rng.integers(3_000_000, 180_000_000, size=total),
            rng.integers(800_000, 9_000_000, size=total),
        ),
    )
    elapsed = np.cumsum(delay_us)
    elapsed -= np.repeat(elapsed[offsets[:-1]] - delay_us[offsets[:-1]], message_counts)
    sent = created[chat_of] + elapsed.astype("timedelta64[us]")
    last_elapsed = np.zeros(count, dtype=np.int64)
    has_messages = message_counts > 0
    last_elapsed[has_messages] = elapsed[offsets[1:][has_messages] - 1]
    updated = created + (last_elapsed + rng.integers(5_000, 90_000, size=count)).astype(
        "timedelta64[us]"
    )

    message_json = pc.binary_join_element_wise(
        '{"id": "',
        _uuid4_strings(rng, total),
        '", "role": "',
        pa.array(roles.astype(str)),
        '", "type": "',
        pa.array(types),
        '", "content": ',
        content,
        ', "disclaimer": ',
        disclaimer,
        ', "created_at": "',
        _iso(sent),
        '"}',
        "",
    )
    logs = pc.binary_join(
        pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), message_json), ", "
    )
    logs = pc.binary_join_element_wise("[", logs, "]", "")

    structured = _structured_info(
        rng, count, chat_of, ~is_greeting, template, table, injected, mess
    )
    reported = message_counts.copy()
    mismatch = rng.random(count) < mess["count_mismatch"]
    reported[mismatch] += rng.choice([-2, -1, 1, 3], size=int(mismatch.sum()))
    reported = np.maximum(reported, 0)
    injected["count_mismatch"] = int((mismatch & (reported != message_counts)).sum())

    columns = {
        "chat_id": pa.array(chat_ids.astype(str)),
        "slug": pa.array(np.char.add("slug_", rng.integers(10_000, 99_999, count).astype(str))),
        "token": pa.array(np.char.add("token_", rng.integers(10_000, 99_999, count).astype(str))),
        "organization_id": _organizations(rng, language_index),
        "conversation_log": logs,
        "structured_info": structured,
        "created_at": _iso(created),
        "updated_at": _iso(updated),
        "language": pa.array(languages),
        "is_test_chat": pa.array(
            rng.choice(["", "False", "True", "0"], size=count, p=[0.8, 0.15, 0.02, 0.03])
        ),
        "sentiment": pa.array(
            rng.choice(
                ["", "positive", "neutral", "negative"], size=count, p=[0.7, 0.1, 0.12, 0.08]
            )
        ),
        "resolution": pa.array(
            rng.choice(
                ["", "resolved", "unresolved", "escalated"], size=count, p=[0.7, 0.2, 0.07, 0.03]
            )
        ),
        "message_count": pa.array(reported.astype(str)),
    }
    _damage_logs(rng, columns, injected, mess)
    bad_time = rng.random(count) < mess["bad_timestamp"]
    columns["created_at"] = pc.replace_with_mask(
        columns["created_at"],
        pa.array(bad_time),
        pa.array(
            rng.choice(
                ["2025-02-30T10:00:00", "0000-00-00 00:00:00", "yesterday"], int(bad_time.sum())
            )
        ),
    )
    injected["bad_timestamp"] = int(bad_time.sum())
    # Empty strings stand for empty CSV cells, as in the source export.
    for name in ("is_test_chat", "sentiment", "resolution"):
        columns[name] = pc.if_else(
            pc.equal(columns[name], ""), pa.scalar(None, pa.string()), columns[name]
        )
    result = pa.table({name: columns[name] for name in CHATS.columns})
    return _Partition(result, updated, language_index, message_counts, injected)


def _organizations(rng: np.random.Generator, language_index: np.ndarray) -> pa.Array:
    """Each language's chats come from that market's organizations."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    flat = [org for language in LANGUAGES for org in ORGANIZATIONS[language]]
    start = np.cumsum([0] + [len(ORGANIZATIONS[language]) for language in LANGUAGES])[:-1]
    size = np.array([len(ORGANIZATIONS[language]) for language in LANGUAGES])
    pick = (
        start[language_index] + rng.integers(0, 1 << 30, len(language_index)) % size[language_index]
    )
    return pc.take(pa.array(flat), pa.array(pick))


def _structured_info(
    rng: np.random.Generator,
    count: int,
    chat_of: np.ndarray,
    is_content: np.ndarray,
    template: np.ndarray,
    table: _TemplateTable,
    injected: dict[str, int],
    mess: dict[str, float],
) -> pa.Array:
    """structured_info JSON: actions always, trip facts for chats that talked about a place."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    action = pc.take(
        pa.array(_json_quote(list(ACTIONS))), pa.array(rng.integers(0, len(ACTIONS), count))
    )
    place_index = rng.integers(0, len(PLACES), count)
    place = pc.take(pa.array(_json_quote(list(PLACES))), pa.array(place_index))
    country = pc.take(pa.array(_json_quote([COUNTRIES[p] for p in PLACES])), pa.array(place_index))
    trip = pc.take(
        pa.array(_json_quote(list(TRIP_TYPES))), pa.array(rng.integers(0, len(TRIP_TYPES), count))
    )
    talked = np.zeros(count, dtype=bool)
    talked[np.unique(chat_of[is_content & table.is_place[template]])] = True
    rich = pc.binary_join_element_wise(
        '{"actions": [',
        action,
        '], "countries": [',
        country,
        '], "cities": [',
        place,
        '], "trip_type": [',
        trip,
        '], "most_relevant_trip_name": ',
        place,
        "}",
        "",
    )
    plain = pc.binary_join_element_wise('{"actions": [', action, "]}", "")
    structured = pc.if_else(pa.array(talked), rich, plain)
    extra = rng.random(count) < mess["extra_structured_keys"]
    extra_text = pa.array(
        [
            ', "utm_source": "newsletter"}',
            ', "debug": {"model": "v2", "latency_ms": 412}}',
            ', "Actions": []}',
        ]
    )
    with_extra = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(structured, 0, -1),
        pc.take(extra_text, pa.array(rng.integers(0, 3, count))),
        "",
    )
    structured = pc.if_else(pa.array(extra), with_extra, structured)
    injected["extra_structured_keys"] = int(extra.sum())
    bad = rng.random(count) < mess["bad_structured_info"]
    structured = pc.if_else(pa.array(bad), pa.scalar("{'actions': ['get_in_touch']"), structured)
    injected["bad_structured_info"] = int(bad.sum())
    return structured


def _damage_logs(
    rng: np.random.Generator,
    columns: dict[str, pa.Array],
    injected: dict[str, int],
    mess: dict[str, float],
) -> None:
    """Break a few logs: malformed, truncated or null. Only these few rows leave Arrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    logs = columns["conversation_log"]
    count = len(logs)
    draw = rng.random(count)
    malformed = np.flatnonzero(draw < mess["malformed_log"])
    truncated = np.flatnonzero(
        (draw >= mess["malformed_log"]) & (draw < mess["malformed_log"] + mess["truncated_log"])
    )
    nulled = np.flatnonzero(
        (draw >= mess["malformed_log"] + mess["truncated_log"])
        & (draw < mess["malformed_log"] + mess["truncated_log"] + mess["null_log"])
    )
    broken: dict[int, str | None] = {}
    for number, index in enumerate(malformed):
        text = logs[int(index)].as_py()
        kind = number % 3
        if kind == 0:
            broken[int(index)] = text.replace('", "role"', '" "role"', 1)
        elif kind == 1:
            broken[int(index)] = text.replace('"', "'")
        else:
            broken[int(index)] = text[:-1] + "}]"
    for index in truncated:
        text = logs[int(index)].as_py()
        broken[int(index)] = text[: int(rng.integers(1, max(len(text) - 1, 2)))]
    for index in nulled:
        broken[int(index)] = None
    injected["malformed_log"] = len(malformed)
    injected["truncated_log"] = len(truncated)
    injected["null_log"] = len(nulled)
    if not broken:
        return
    mask = np.zeros(count, dtype=bool)
    order = sorted(broken)
    mask[order] = True
    columns["conversation_log"] = pc.replace_with_mask(
        logs, pa.array(mask), pa.array([broken[i] for i in order], pa.string())
    )


FOLLOW_UPS = {
    "nl": "Is er nog iets waarmee ik je kan helpen?",
    "fr": "Puis-je vous aider avec autre chose ?",
    "en": "Is there anything else I can help you with?",
}


def _re_export(
    rng: np.random.Generator, previous: _Partition, share: float
) -> tuple[pa.Table, int]:
    """A later export of some of the previous file's chats: updated_at moves on and half of the
    logs gain a follow-up message. Returns the rows and the messages their logs hold."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    picked = np.flatnonzero(rng.random(previous.table.num_rows) < share)
    rows = previous.table.take(pa.array(picked, pa.int64()))
    if rows.num_rows == 0:
        return rows, 0
    later = previous.updated[picked] + rng.integers(60, 86_400, len(picked)).astype(
        "timedelta64[s]"
    )
    logs = rows["conversation_log"]
    follow_up = pc.binary_join_element_wise(
        ', {"id": "',
        _uuid4_strings(rng, len(picked)),
        '", "role": "assistant", "type": "text", "content": ',
        pa.array(_json_quote([FOLLOW_UPS[LANGUAGES[i]] for i in previous.language_index[picked]])),
        ', "disclaimer": null, "created_at": "',
        _iso(later - np.timedelta64(2, "s")),
        '"}]',
        "",
    )
    # Only logs that still end like a JSON array get the extra message: damage stays damage.
    grows = pc.and_(
        pc.ends_with(pc.coalesce(logs, ""), "}]"), pa.array(rng.random(len(picked)) < 0.5)
    )
    extended = pc.binary_join_element_wise(pc.utf8_slice_codeunits(logs, 0, -1), follow_up, "")
    reported = pc.cast(rows["message_count"], pa.int64())
    grows_np = grows.to_numpy(zero_copy_only=False)
    replaced = {
        "conversation_log": pc.if_else(grows, extended, logs),
        "message_count": pc.cast(pc.if_else(grows, pc.add(reported, 1), reported), pa.string()),
        "updated_at": _iso(later),
    }
    for name, values in replaced.items():
        rows = rows.set_column(rows.schema.get_field_index(name), name, values)
    messages = int(previous.message_counts[picked].sum() + grows_np.sum())
    return rows, messages


def generate_chats(
    out_dir: Path,
    rows: int,
    seed: int = 0,
    *,
    file_format: str = "parquet",
    partition_rows: int = 100_000,
    mess: dict[str, float] | None = None,
    show_progress: bool = True,
) -> ChatGenerationSummary:
    """Write `rows` synthetic chats (plus re-exported copies) as partition files in `out_dir`."""
    import numpy as np
    import pyarrow as pa

    if file_format not in {"parquet", "csv"}:
        raise ValueError(f"file_format must be parquet or csv, not {file_format!r}")
    if rows < 0 or partition_rows < 1:
        raise ValueError("rows must be >= 0 and partition_rows >= 1")
    rates = {**DEFAULT_MESS, **(mess or {})}
    unknown = set(rates) - set(DEFAULT_MESS)
    if unknown:
        raise ValueError(f"unknown mess kinds: {sorted(unknown)}; known: {sorted(DEFAULT_MESS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ChatGenerationSummary(out_dir=str(out_dir), seed=seed, file_format=file_format)
    summary.mess = dict.fromkeys(DEFAULT_MESS, 0)
    started = time.perf_counter()
    partitions = max(1, -(-rows // partition_rows)) if rows else 0
    pending: list[pa.Table] = []  # re-exports of the previous file's chats
    with progress_bar(transient=not show_progress) as progress:
        task = progress.add_task("generating chats", total=rows, visible=show_progress)
        for part in range(partitions):
            rng = np.random.default_rng([seed, part])
            size = min(partition_rows, rows - part * partition_rows)
            partition = _build_partition(rng, FIRST_CHAT_ID + part * partition_rows, size, rates)
            summary.messages += int(partition.message_counts.sum())
            re_exported, messages = _re_export(rng, partition, rates["re_exported"])
            summary.mess["re_exported"] += re_exported.num_rows
            summary.messages += messages
            # A chat's later export lands in the next file (the last file carries its own).
            last = part == partitions - 1
            table = pa.concat_tables([partition.table, *pending, *([re_exported] if last else [])])
            pending = [re_exported]
            path = out_dir / f"chats-seed{seed}-part{part:05d}.{file_format}"
            _write(table, path, file_format)
            summary.files.append(str(path))
            summary.chats += size
            summary.rows_written += table.num_rows
            for kind, number in partition.injected.items():
                if kind != "re_exported":
                    summary.mess[kind] += number
            progress.advance(task, size)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _write(table: pa.Table, path: Path, file_format: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    partial = path.with_name(path.name + ".partial")
    if file_format == "parquet":
        pq.write_table(table, partial, compression="zstd", row_group_size=50_000)
    else:
        pacsv.write_csv(table, partial)
    # A reader (the ingest) never sees a half-written partition.
    partial.replace(path)
