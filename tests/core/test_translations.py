"""The Chinese catalogs: Django merges every app's catalog into one, so a msgid that two catalogs
translate differently reads with one of the two translations on every page (the enterprise list's
"Name" column read 姓名, a person's name). Such a msgid needs a context in the app that means
something else by it."""

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

SKIP = {".venv", "node_modules", ".git", "staticfiles"}


def _catalogs() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return [
        po
        for po in sorted(root.rglob("locale/zh_Hans/LC_MESSAGES/django.po"))
        if not SKIP & set(po.relative_to(root).parts)
    ]


def test_no_message_is_translated_two_ways_without_a_context():
    translations: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for po in _catalogs():
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            translations[(message.context, msgid)][str(po.relative_to(settings.BASE_DIR))] = msgstr
    clashes = {key: found for key, found in translations.items() if len(set(found.values())) > 1}
    assert not clashes, "\n".join(f"{key}: {found}" for key, found in sorted(clashes.items(), key=str))


def test_every_app_has_a_catalog():
    apps = {po.parts[-5] for po in _catalogs()}
    assert {"talents", "enterprises", "funding", "assessment", "reports", "core"} <= apps
