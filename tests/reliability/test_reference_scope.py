"""Every reference a unit officer sets points into their scope or at district-wide records.

Generated over every form and every serializer of every app (issue 14, item 16): each is built
for a street officer and a park officer of the demo district, and each writable reference field
must offer only records that ``core.references.referenceable`` gives the officer. A form or a
serializer added later is walked too; one that references a model nobody declared fails.
Then the found example, by page and by API: a street officer cannot attach its enterprise to a
park's maker space.
"""

import importlib
import inspect

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.forms import BaseForm, ModelChoiceField
from django.test import RequestFactory
from rest_framework.serializers import BaseSerializer

from qinhuai_talent.core import references
from qinhuai_talent.core.models import OrgUnit, Role, User

pytestmark = pytest.mark.django_db

# Forms that only filter what the reader already sees (they write no reference).
FILTER_MODULES = {"reports.forms"}


def _project_modules(suffix: str) -> list:
    found = []
    for config in apps.get_app_configs():
        if not str(config.path).startswith(str(settings.BASE_DIR)) or "site-packages" in str(config.path):
            continue
        name = f"{config.name}.{suffix}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if not name.startswith(exc.name):
                raise
    return found


def _classes(base, suffix: str) -> list[type]:
    out = []
    for module in _project_modules(suffix):
        if module.__name__ in FILTER_MODULES:
            continue
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, base) and obj.__module__ == module.__name__:
                out.append(obj)
    return sorted(out, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = _classes(BaseForm, "forms")
SERIALIZERS = _classes(BaseSerializer, "api.serializers")


def test_the_walk_finds_the_forms_and_serializers_it_speaks_of():
    names = {c.__name__ for c in FORMS + SERIALIZERS}
    assert {"EnterpriseForm", "MakerSpaceForm", "ApplicationForm", "AgreementForm"} <= names
    assert {"EnterpriseSerializer", "ApplicationSerializer", "AgreementSerializer"} <= names


def _broad_queryset(parameter: str) -> QuerySet:
    """What a careless view could pass for a form's queryset argument: every record of the model."""
    for model in apps.get_models():
        if model._meta.model_name in (parameter, parameter.rstrip("s")):
            return model._default_manager.all()
    raise AssertionError(f"no model for the form argument {parameter!r}; teach this test about it")


def _argument(parameter: str, user: User):
    """A record of the caller's scope for a singular name (``enterprise``), else every record."""
    qs = _broad_queryset(parameter)
    if qs.model._meta.model_name == parameter:
        return references.narrow(qs, user).order_by("pk").first()
    return qs


def _form_kwargs(cls, user: User) -> dict:
    kwargs = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if parameter.kind is not parameter.KEYWORD_ONLY:
            continue
        if name == "user":
            kwargs[name] = user
        elif parameter.default is parameter.empty:
            kwargs[name] = _argument(name, user)
    return kwargs


def _officers() -> list[User]:
    officers = []
    for role in (Role.STREET, Role.PARK):
        officer = User.objects.filter(role=role, is_active=True, org_unit__isnull=False).order_by("pk").first()
        assert officer is not None, role
        officers.append(officer)
    return officers


def _outside(user: User, qs: QuerySet) -> list:
    allowed = references.referenceable(user, qs.model)
    if allowed is None:
        return []
    return list(qs.exclude(pk__in=allowed.values("pk")).values_list("pk", flat=True)[:5])


def test_the_demo_has_records_of_other_units_to_refuse(demo_district):
    for officer in _officers():
        for model in (OrgUnit, references.referenceable(officer, OrgUnit).model):
            assert model._default_manager.exclude(pk=officer.org_unit_id).exists()
        from enterprises.models import Enterprise, MakerSpace

        assert MakerSpace.objects.exclude(org_unit=officer.org_unit).exclude(org_unit__isnull=True).exists()
        assert Enterprise.objects.exclude(org_unit=officer.org_unit).exists()


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_form_offers_only_references_in_scope(demo_district, form_class):
    for officer in _officers():
        form = form_class(**_form_kwargs(form_class, officer))
        for name, field in form.fields.items():
            if not isinstance(field, ModelChoiceField):
                continue
            model = field.queryset.model
            assert references.declared(model), f"{form_class.__name__}.{name}: {model._meta.label} not declared"
            leaked = _outside(officer, field.queryset)
            assert not leaked, (
                f"{form_class.__name__}.{name} offers {officer.username} {model._meta.label} {leaked}, out of scope"
            )


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_serializer_accepts_only_references_in_scope(demo_district, serializer_class):
    for officer in _officers():
        request = RequestFactory().post("/api/v1/")
        request.user = officer
        serializer = serializer_class(context={"request": request})
        for name, relation in references.writable_relations(serializer.fields):
            qs = relation.get_queryset()
            model = qs.model
            assert references.declared(model), f"{serializer_class.__name__}.{name}: {model._meta.label} not declared"
            leaked = _outside(officer, qs)
            assert not leaked, (
                f"{serializer_class.__name__}.{name} accepts from {officer.username} "
                f"{model._meta.label} {leaked}, out of scope"
            )


def _street_enterprise_and_park_space():
    from enterprises.models import Enterprise, MakerSpace

    street = User.objects.filter(role=Role.STREET, is_active=True).order_by("pk").first()
    enterprise = Enterprise.objects.filter(org_unit=street.org_unit).order_by("pk").first()
    foreign = MakerSpace.objects.exclude(org_unit=street.org_unit).exclude(org_unit__isnull=True).first()
    assert enterprise is not None and foreign is not None
    return street, enterprise, foreign


def test_a_street_officer_cannot_attach_its_enterprise_to_a_parks_maker_space_by_api(demo_district, api):
    street, enterprise, foreign = _street_enterprise_and_park_space()
    response = api(street).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"maker_space": foreign.pk}, format="json")
    assert response.status_code == 400, response.content
    assert "maker_space" in response.json().get("fields", response.json())
    enterprise.refresh_from_db()
    assert enterprise.maker_space_id != foreign.pk


def test_a_street_officer_cannot_attach_its_enterprise_to_a_parks_maker_space_by_page(demo_district, client):
    from enterprises.forms import EnterpriseForm

    street, enterprise, foreign = _street_enterprise_and_park_space()
    client.force_login(street)
    data = {
        name: value
        for name, value in EnterpriseForm(instance=enterprise, user=street).initial.items()
        if value is not None
    }
    data["maker_space"] = foreign.pk
    response = client.post(f"/enterprises/{enterprise.pk}/edit/", data)
    assert response.status_code in (200, 400)
    assert "maker_space" in response.context["form"].errors
    enterprise.refresh_from_db()
    assert enterprise.maker_space_id != foreign.pk
