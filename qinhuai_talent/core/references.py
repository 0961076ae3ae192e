"""Where a reference may point: one rule for every form and serializer that writes one.

A unit officer who sets a reference (an enterprise's maker space, an application's talent, a
unit, a liaison officer...) may point only into their own scope or at district-wide records.
Each app declares, for every model a form or serializer may reference, either the selector that
gives the records a user may point at, or that the model is district-wide (programs, industries,
plan templates...). Forms call :func:`narrow_form` last in ``__init__``; serializers mix in
:class:`ScopedReferences`. A choice outside the narrowed set is refused like one that does not
exist ("Select a valid choice" / "Invalid pk"), so nothing about the other unit's records leaks.

``tests/reliability/test_reference_scope.py`` walks every form and serializer of every app and
fails when a writable reference offers a record outside the caller's scope, or references a model
that nobody declared.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.forms import BaseForm, ModelChoiceField
from rest_framework.relations import ManyRelatedField, RelatedField

from .models import User

Scope = Callable[[User], QuerySet]

DISTRICT_WIDE = None
_SCOPES: dict[type[Model], Scope | None] = {}


def declare(model: type[Model], scope: Scope | None = DISTRICT_WIDE) -> None:
    """Declare where references to ``model`` may point (``DISTRICT_WIDE``: anywhere)."""
    _SCOPES[model] = scope


def declared(model: type[Model]) -> bool:
    return model in _SCOPES


def referenceable(user: User | None, model: type[Model]) -> QuerySet | None:
    """The records of ``model`` that ``user`` may point at, or ``None`` when any may be."""
    if model not in _SCOPES:
        raise ImproperlyConfigured(
            f"{model._meta.label} is referenced by a form or serializer but no app declared its scope "
            "(qinhuai_talent.core.references.declare)."
        )
    scope = _SCOPES[model]
    if scope is DISTRICT_WIDE:
        return None
    if user is None or not user.is_authenticated:
        return model._default_manager.none()
    return scope(user)


def unit_or_district(qs: QuerySet, user: User, unit_field: str = "org_unit") -> QuerySet:
    """A scope for records that belong to a unit or, with no unit, to the whole district."""
    from django.db.models import Q

    from .access import unit_scope

    units = unit_scope(user)
    if units is None:
        return qs
    return qs.filter(Q(**{f"{unit_field}__in": units}) | Q(**{f"{unit_field}__isnull": True}))


def narrow(qs: QuerySet, user: User | None) -> QuerySet:
    """``qs`` limited to the records ``user`` may point at."""
    allowed = referenceable(user, qs.model)
    if allowed is None:
        return qs
    return qs.filter(pk__in=allowed.values("pk"))


def narrow_form(form: BaseForm, user: User | None) -> None:
    """Narrow every reference field of ``form``; call it last in the form's ``__init__``."""
    for field in form.fields.values():
        if isinstance(field, ModelChoiceField):
            field.queryset = narrow(field.queryset, user)


def writable_relations(fields) -> list[tuple[str, RelatedField]]:
    """The writable related fields of a serializer's ``fields``, many-related ones as their child."""
    found = []
    for name, field in fields.items():
        if field.read_only:
            continue
        relation = field.child_relation if isinstance(field, ManyRelatedField) else field
        if isinstance(relation, RelatedField):
            found.append((name, relation))
    return found


class ScopedReferences:
    """Serializer mixin: every writable reference points into the requesting user's scope."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request") if hasattr(self, "context") else None
        user = getattr(request, "user", None)
        for _name, relation in writable_relations(fields):
            if relation.queryset is not None:
                relation.queryset = narrow(relation.queryset, user)
        return fields
