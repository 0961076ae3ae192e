"""The charts every app draws: inline SVG without script, texts in the reader's language."""

import pygal
from django.utils import translation

from qinhuai_talent.core import charts


def test_an_empty_chart_says_so_in_the_readers_language_without_a_script():
    with translation.override("zh-hans"):
        chinese = charts.render(charts.new(pygal.Bar))
    with translation.override("en"):
        english = charts.render(charts.new(pygal.Bar))
    assert "暂无数据" in chinese and "No data" not in chinese
    assert "No data" in english
    assert "<script" not in chinese and "<script" not in english
