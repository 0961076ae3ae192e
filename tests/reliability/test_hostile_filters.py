"""Hostile values in every page filter never reach a server error (issue 15, item 3, web side).

Generated over the URLconf: every page without parameters is opened as the office and as a street
officer, the names of its GET forms' fields (plus ``year`` and ``page``, which pages read without a
form) are collected, and each is sent the values a hostile or careless client sends: years 0 and
10000, an integer beyond 64 bits, NaN, -1, text, a NUL. A page answers 200 (the value ignored or
shown as a form error) or 400, never a 5xx. A page or filter added later is walked too.
"""

import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseForm

from qinhuai_talent.core.models import User

from .test_access_matrix import web_patterns
from .test_reference_scope import _classes, _project_modules

pytestmark = pytest.mark.django_db

HOSTILE = ["0", "10000", str(2**70), "NaN", "-1", "x"]
ALWAYS = ("year", "page")
ROLES = ("office", "street")
FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)


def _pages() -> list[str]:
    return sorted(
        {
            "/" + route
            for route, _ in web_patterns()
            if "<" not in route and "\\" not in route and not route.startswith(("api/", "admin/", "static/", "^"))
        }
    )


def get_filters(html: str) -> set[str]:
    """The fields of the page's GET forms (a form without a method is a GET form)."""
    names = set()
    for form in FORM.finditer(html):
        method = re.search(r"method=\"(\w+)\"", form["attrs"], re.I)
        if method and method.group(1).lower() != "get":
            continue
        names |= set(NAME.findall(form["body"])) - {"csrfmiddlewaretoken", "next", "language"}
    return names


# One test per role, so that side-by-side sessions (pytest-xdist) can take one each.
@pytest.mark.parametrize("username", ROLES)
def test_every_page_filter_answers_hostile_values_without_a_server_error(demo_district, client, username):
    client.raise_request_exception = False
    failures, sent, filters = [], 0, 0
    client.force_login(User.objects.get(username=username))
    for page in _pages():
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        names = get_filters(response.content.decode()) | set(ALWAYS)
        filters += len(names)
        for name in sorted(names):
            for value in HOSTILE:
                answer = client.get(page, {name: value})
                sent += 1
                if answer.status_code >= 500:
                    failures.append(f"{username} GET {page}?{name}={value[:30]}: {answer.status_code}")
    print(f"hostile filters: {filters} filters on {len(_pages())} pages as {username}, {sent} requests")
    assert sent > 250
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- form fields

NUMERIC = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def _form_fields() -> list[tuple]:
    out = []
    for form in _classes(BaseForm, "forms") + _filter_forms():
        model = getattr(getattr(form, "_meta", None), "model", None)
        for name, field in form.base_fields.items():
            # A model form also runs its model field's validators (the database's range).
            model_field = next((f for f in model._meta.concrete_fields if f.name == name), None) if model else None
            out.append((f"{form.__module__}.{form.__qualname__}", name, field, model_field))
    return out


def _filter_forms() -> list[type]:
    import django_filters

    found = []
    for module in _project_modules("filters"):
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, django_filters.FilterSet)
                and obj.__module__ == module.__name__
            ):
                found.append(obj().form.__class__)
    return found


def test_every_number_and_date_field_of_every_form_refuses_what_the_database_cannot_hold():
    """Integers beyond 64 bits, 1e400, NaN and Infinity are form errors in every numeric field of
    every form and filter set (SQLite raises OverflowError on them); NaN is not a date."""
    fields = _form_fields()
    numeric = [(f, n, x, m) for f, n, x, m in fields if isinstance(x, NUMERIC)]
    dates = [(f, n, x, m) for f, n, x, m in fields if isinstance(x, forms.DateField)]
    assert len(numeric) > 40 and len(dates) > 5, "the walk finds the forms' fields"
    accepted = []
    for form, name, field, model_field in numeric:
        for value in (str(2**70), str(-(2**70)), "1e400", "NaN", "Infinity"):
            try:
                cleaned = field.clean(value)
                if model_field is not None and cleaned is not None:
                    model_field.run_validators(cleaned)
            except ValidationError:
                continue
            if cleaned is not None:
                accepted.append(f"{form}.{name} accepts {value[:12]} as {cleaned!r:.30}")
    for form, name, field, _model_field in dates:
        for value in ("NaN", "0000-00-00", "10000-01-01"):
            try:
                field.clean(value)
            except ValidationError:
                continue
            accepted.append(f"{form}.{name} accepts {value}")
    print(f"form fields: {len(numeric)} numeric and {len(dates)} date fields, {len(accepted)} accepting hostile values")
    assert not accepted, "\n".join(accepted)
