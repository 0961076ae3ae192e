"""The Tab walk the main pages and the crawls run on every form (``forms_not_reachable_by_tab``)
finds a form the keyboard cannot walk, and passes one it can: on pages of its own, no portal."""

import pytest

from .conftest import forms_not_reachable_by_tab

pytestmark = pytest.mark.browser

WALKABLE = """
<form action="/good/">
  <label>名称 <input name="name"></label>
  <label>日期 <input name="day" type="date"></label>
  <label>单位 <select name="unit"><option>一</option><option>二</option></select></label>
  <fieldset><legend>级别</legend>
    <label><input type="radio" name="level" value="a"> 甲</label>
    <label><input type="radio" name="level" value="b" checked> 乙</label>
  </fieldset>
  <label>说明 <textarea name="note"></textarea></label>
  <input type="hidden" name="secret">
  <label>停用 <input name="off" disabled></label>
  <button type="submit">保存</button>
</form>
<a href="/after/">之后</a>
"""

# Each form is walked on a page of its own, with the name of what is wrong with it.
NOT_WALKABLE = {
    "a positive tabindex takes its control out of the order": """
        <form action="/jump/"><input name="a"><input name="b" tabindex="1"><button>保存</button></form>
        <a href="/after/">之后</a>""",
    "a script sends the focus back to the start": """
        <form action="/trap/"><input name="a" id="a"><input name="b"
          onkeydown="if (event.key === 'Tab') { event.preventDefault(); document.getElementById('a').focus(); }">
          <button>保存</button></form>
        <a href="/after/">之后</a>""",
    "the button is left for last in the page's order": """
        <form action="/late/"><input name="a" tabindex="1"><input name="b" tabindex="2">
          <button tabindex="4">保存</button></form>
        <a href="/x/" tabindex="3">别处</a>""",
}


def test_the_tab_walk_passes_a_form_the_keyboard_walks(page):
    page.set_content(WALKABLE)
    assert forms_not_reachable_by_tab(page) == []


@pytest.mark.parametrize("html", NOT_WALKABLE.values(), ids=NOT_WALKABLE.keys())
def test_the_tab_walk_finds_a_form_the_keyboard_cannot_walk(page, html):
    page.set_content(html)
    (problem,) = forms_not_reachable_by_tab(page)
    assert problem.startswith("form /") and "Tab reaches controls" in problem, problem
