"""Issue 17 item 6, over every template: an exact amount a template prints goes through the one
money rule (the ``yuan`` filter, ``money_words`` or ``wan``), never a currency sign of its own
(``¥{{ … }}``) or a bare field (``{{ payout.amount }}``, ``{{ x.amount|floatformat:2 }}``). The
browser tier reads the pages a role visits; this reads the templates no walk reaches."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MONEY_FIELD = r"[\w.]*\b(?:amount|max_amount|recovered|recovery_due|price|paid_total|planned_amount|paid)"
BARE = re.compile(r"\{\{\s*(?!links\.)" + MONEY_FIELD + r"\s*(?:\|\s*(?:floatformat|intcomma)[^}|]*)*\}\}")
OWN_SIGN = re.compile(r"[¥￥]\s*\{\{")


def _templates() -> list[Path]:
    return [p for p in ROOT.rglob("templates/**/*.html") if ".venv" not in p.parts]


def test_no_template_prints_money_outside_the_one_rule():
    templates = _templates()
    assert len(templates) > 50
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}"
        for path in templates
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE.search(line) or OWN_SIGN.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_scan_sees_each_way_of_printing_money_bare():
    for line in ("¥{{ s.price }}", "{{ e.amount }}", "{{ a.paid_total|floatformat:2|intcomma }}", "{{ figures.paid }}"):
        assert BARE.search(line) or OWN_SIGN.search(line), line
    for line in (
        "{{ e.amount|yuan }}",
        "{{ f.paid|money_words }}",
        "{{ r.sales|wan }}",
        "{{ a.paid_count }}",
        "{{ links.paid }}",
    ):
        assert not (BARE.search(line) or OWN_SIGN.search(line)), line
