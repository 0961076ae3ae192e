from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..access import names_to
from ..jobs import JOB_KINDS
from ..models import Job, OrgUnit, Role, User


class OrgUnitCodeField(serializers.SlugRelatedField):
    """A unit as its stable code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class PersonField(serializers.SlugRelatedField):
    """A person who did something (filed, owns), by username; null to an outside reader (a talent,
    an enterprise, a provider's staff) when the person is of the back office, whose people are not
    named outside (``access.names_to``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        reader = getattr(self.context.get("request"), "user", None)
        return super().to_representation(value) if names_to(reader, value) else None


class OptionalEmailField(serializers.CharField):
    """An e-mail address that may be blank. Blank is allowed and common; a non-blank value must be
    an address. The schema says a plain string, since "" is not of the JSON Schema "email" format
    and a client generated from the schema would refuse the records that have none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.validators.append(_non_blank_address)


def _non_blank_address(value: str) -> None:
    if value:
        EmailValidator()(value)


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "name_en", "kind", "head", "active"]


class MeSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(allow_null=True)
    enterprise = serializers.SerializerMethodField(
        help_text="For an enterprise account: the id of its (confirmed) enterprise; otherwise null."
    )

    class Meta:
        model = User
        fields = ["username", "role", "org_unit", "enterprise", "first_name", "last_name"]

    def get_enterprise(self, obj) -> int | None:
        if obj.role != Role.ENTERPRISE:
            return None
        record = getattr(obj, "enterprise_record", None)  # enterprises.Enterprise.account
        return record.pk if record is not None else None


class UserSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "role", "org_unit", "is_active"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class JobSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(allow_null=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "progress",
            "counts",
            "message",
            "requested_by",
            "org_unit",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40, help_text=_("A registered job kind, e.g. recompute_payouts."))

    def validate_kind(self, value):
        if value not in JOB_KINDS:
            known = ", ".join(sorted(JOB_KINDS)) or "—"
            raise serializers.ValidationError(
                _("Unknown job kind “%(kind)s”. Known kinds: %(known)s.") % {"kind": value, "known": known}
            )
        return value
