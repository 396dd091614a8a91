"""The straightforward way to the two chat CSVs: pandas reads the exports, json.loads parses each
row's log and structured_info in Python, duplicates are dropped, the rows are built as dicts and
pandas writes chats.csv and messages.csv. Same rules as the warehouse (quarantine of logs that
do not parse, latest export wins, roles normalized, e-mail/phone masked, formula guard); no
warehouse, no lineage, no time features.

    .venv/bin/python benchmarks/baseline_chats_pandas.py LANDING_DIR OUT_DIR

Prints one JSON line: chats, messages, quarantined, superseded, seconds.
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from supportlake.export.chats import (
    CHATS_ARRAY_COLUMNS,
    CHATS_HEADER,
    MESSAGES_ARRAY_COLUMNS,
    MESSAGES_HEADER,
)

ROLES = {"assistant": "assistant", "bot": "assistant", "agent": "assistant"} | {
    "user": "user",
    "customer": "user",
    "visitor": "user",
}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(
    r"(\+|\b00)[1-9][0-9]{0,2}[ .-]?(\(0\)[ .-]?)?[0-9]{1,4}([ .-]?[0-9]{2,4}){2,4}"
    r"|\b0[0-9]{1,3}([ .-]?[0-9]{2,4}){2,4}\b|\b[0-9]{3}[.-][0-9]{3}[.-][0-9]{4}\b"
)
NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")


def guard(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return value if NUMBER.fullmatch(value) else "'" + value
    return value


def mask(text):
    if not isinstance(text, str):
        return text
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


def parse_time(text):
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%S.%f")
    except (TypeError, ValueError):
        return None


def array(info, key):
    value = info.get(key)
    return json.dumps(value if isinstance(value, list) else [], ensure_ascii=False)


def main(landing: Path, out: Path) -> None:  # noqa: C901 -- the baseline is one pandas script on purpose
    started = time.perf_counter()
    frames = [pd.read_parquet(path) for path in sorted(landing.rglob("*.parquet"))]
    frames += [pd.read_csv(path, dtype=str) for path in sorted(landing.rglob("*.csv"))]
    exports = pd.concat(frames, ignore_index=True)
    exports = exports.astype(object).where(exports.notna(), None)  # NaN -> None
    kept: dict[str, tuple[str, dict, list, dict]] = {}
    quarantined = superseded = 0
    for row in exports.to_dict("records"):
        text = row["conversation_log"]
        chat_id = str(row["chat_id"] or "").strip()
        try:
            log = [] if text is None or str(text).strip() in ("", "null") else json.loads(text)
        except json.JSONDecodeError:
            log = None
        if not isinstance(log, list) or not chat_id:
            quarantined += 1
            continue
        try:
            info = json.loads(row["structured_info"])
        except (TypeError, json.JSONDecodeError):
            info = {}
        info = info if isinstance(info, dict) else {}
        updated = str(row["updated_at"] or "")
        if chat_id in kept:
            superseded += 1
            if updated <= kept[chat_id][0]:
                continue
        kept[chat_id] = (updated, row, log, info)

    chats, messages = [], []
    for chat_id, (_, row, log, info) in kept.items():
        default_ids = [
            m.get("id") for m in log if isinstance(m, dict) and m.get("type") == "default"
        ]
        contents = [m.get("content") for m in log if isinstance(m, dict)]
        chat = dict.fromkeys(CHATS_HEADER.split(","))
        chat.update(
            {
                "first name": info.get("first_name"),
                "last name": info.get("last_name"),
                "name": info.get("name")
                or " ".join(filter(None, [info.get("first_name"), info.get("last_name")]))
                or None,
                "phone number": info.get("phone_number"),
                "email": info.get("email"),
                "is test chat": str(row["is_test_chat"]).lower() in ("true", "1", "yes"),
                "sentiment": row["sentiment"],
                "resolution": row["resolution"],
                "is chat classified": bool(row["sentiment"] or row["resolution"]),
                "slug": row["slug"],
                "token": row["token"],
                "chatId": chat_id,
                "language": (row["language"] or "").strip().lower() or None,
                "organizationId": row["organization_id"],
                "created at": parse_time(row["created_at"]),
                "updated at": parse_time(row["updated_at"]),
                "most relevant trip name": info.get("most_relevant_trip_name"),
                "is default chat": bool(log)
                and all(isinstance(m, dict) and m.get("type") == "default" for m in log),
                "defaultMessageId": default_ids[0] if default_ids else None,
                "has email": bool(info.get("email"))
                or any(isinstance(c, str) and EMAIL.search(c) for c in contents),
                "is structured info extracted": bool(info),
            }
        )
        for column in CHATS_ARRAY_COLUMNS:
            chat[column] = array(info, column.replace(" ", "_"))
        chats.append(chat)
        shared = {key: chat.get(key) for key in MESSAGES_HEADER.split(",") if key in chat}
        for position, message in enumerate(log, 1):
            message = message if isinstance(message, dict) else {}
            role = message.get("role")
            messages.append(
                {
                    **shared,
                    "regions": array(info, "regions"),
                    "categories": array(info, "categories"),
                    "themes": array(info, "themes"),
                    "intentType": info.get("intent_type"),
                    "current brands": info.get("current_brands"),
                    "role": ROLES.get(role.strip().lower()) if isinstance(role, str) else None,
                    "conversationLogType": message.get("type"),
                    "sk messageId": f"{chat_id}#{position:05d}",
                    "messageId": message.get("id"),
                    "content": mask(message.get("content")),
                }
            )

    out.mkdir(parents=True, exist_ok=True)
    for name, rows, header, arrays in (
        ("chats.csv", chats, CHATS_HEADER, CHATS_ARRAY_COLUMNS),
        ("messages.csv", messages, MESSAGES_HEADER, MESSAGES_ARRAY_COLUMNS),
    ):
        frame = pd.DataFrame(rows, columns=header.split(","))
        for column in frame.columns:
            if column not in arrays and frame[column].dtype == object:
                frame[column] = frame[column].map(guard)
        frame.to_csv(out / name, index=False)
    print(
        json.dumps(
            {
                "chats": len(chats),
                "messages": len(messages),
                "quarantined": quarantined,
                "superseded": superseded,
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
