"""The reader's language, for records named in both languages (the interface itself is gettext's)."""

from django.utils.translation import get_language


def reads_chinese() -> bool:
    """Whether the current request reads Chinese (the portal's default language)."""
    return (get_language() or "zh-hans").startswith("zh")


def in_reader_language(chinese: str, english: str) -> str:
    """The Chinese or the English of a bilingual name; the Chinese where no English was given."""
    return chinese if reads_chinese() or not english else english
