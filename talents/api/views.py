"""The talents API: thin views over selectors (scoped reads) and services (writes, transitions)."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from qinhuai_talent.core import access
from qinhuai_talent.core.api.permissions import PortalPermission, ReadOnlyForReaders
from qinhuai_talent.core.api.rows import ValuesListMixin
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import Role, User

from .. import policies, selectors, services
from ..models import (
    Application,
    ApplicationState,
    Call,
    CallState,
    Education,
    Level,
    Origin,
    Program,
    ReviewAssignment,
    ReviewScore,
    SourceChannel,
    Talent,
    Title,
    Track,
)
from ..workflows import APPLICATION_WORKFLOW
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description="Refused: the message names the problem"),
    403: OpenApiResponse(description="Your role or unit may not do this"),
    404: OpenApiResponse(description="No such record in your scope"),
}


def _anonymous(request) -> bool:
    return not getattr(request.user, "is_authenticated", False)


def _applicant(request) -> bool:
    """A talent's own account, applying online (issue 16, item 4)."""
    return getattr(request.user, "is_authenticated", False) and request.user.role == Role.TALENT


# What a talent's own account does through the applications endpoints, on its own records only.
APPLICANT_ACTIONS = {"create", "update", "partial_update", "submit", "withdraw", "attachments"}


class ApplicantsWriteTheirOwn(ReadOnlyForReaders):
    """As ``ReadOnlyForReaders``, and a talent's own account creates, changes, submits and withdraws
    its own applications and attaches their documents (its queryset holds only its own)."""

    def has_permission(self, request, view):
        if _applicant(request) and getattr(view, "action", None) in APPLICANT_ACTIONS:
            return PortalPermission.has_permission(self, request, view)
        return super().has_permission(request, view)


class ProgramFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices)
    track = filters.ChoiceFilter(choices=Track.choices)

    class Meta:
        model = Program
        fields = ["level", "track", "has_defense"]


class ProgramViewSet(viewsets.ReadOnlyModelViewSet):
    """The ten programs (codes of CONTRACT.md), by level."""

    serializer_class = s.ProgramSerializer
    queryset = Program.objects.order_by("level", "code")
    filterset_class = ProgramFilter
    lookup_field = "code"


class CallFilter(filters.FilterSet):
    program = filters.CharFilter(field_name="program__code")
    state = filters.ChoiceFilter(choices=CallState.choices)
    level = filters.ChoiceFilter(field_name="program__level", choices=Level.choices)

    class Meta:
        model = Call
        fields = ["program", "year", "state", "level"]


class CallViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Calls for applications (申报批次); the office creates, opens, closes and finishes them."""

    serializer_class = s.CallSerializer
    filterset_class = CallFilter
    permission_classes = [ReadOnlyForReaders]
    ordering_fields = ["year", "opens_on", "closes_on"]

    def get_queryset(self):
        if _anonymous(self.request):
            return Call.objects.none()
        return selectors.calls_for(self.request.user).prefetch_related("criteria")

    @extend_schema(responses={201: s.CallSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        criteria = [services.CriterionSpec(**c) for c in data.pop("criteria", [])]
        call = services.call_create(actor=request.user, criteria=criteria, **data)
        return Response(self.get_serializer(call).data, status=status.HTTP_201_CREATED)

    def _move(self, request, pk, action_name):
        call = access.get_or_404(self.get_queryset(), pk=pk)
        call = services.call_transition(call_id=call.pk, action=action_name, actor=request.user)
        return Response(self.get_serializer(call).data)

    @extend_schema(request=s.QuotaSerializer, responses={200: s.CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def quota(self, request, pk=None):
        """The office changes the call's quota, with a reason kept in the call's history."""
        call = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.QuotaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call = services.call_change_quota(call_id=call.pk, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(call).data)

    @extend_schema(request=None, responses={200: s.CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Publish a draft call (a closed call is reopened by ``reopen``, not by this)."""
        return self._move(request, pk, "open")

    @extend_schema(request=None, responses={200: s.CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen a closed call: it takes applications again until its closing date."""
        return self._move(request, pk, "reopen")

    @extend_schema(request=None, responses={200: s.CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._move(request, pk, "close")

    @extend_schema(request=None, responses={200: s.CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._move(request, pk, "finish")


class TalentFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    program = filters.CharFilter(field_name="titles__program__code", distinct=True)
    education = filters.ChoiceFilter(choices=Education.choices)

    class Meta:
        model = Talent
        fields = ["org_unit", "program", "education", "overseas_experience"]


class TalentViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Talents in scope; ID numbers masked except in the detail for office and the talent's own unit.
    The office and the talent's unit officer change a talent (PUT, PATCH); only the office moves one
    to another unit."""

    serializer_class = s.TalentSerializer
    filterset_class = TalentFilter
    permission_classes = [ReadOnlyForReaders]
    search_fields = ["name", "field"]
    ordering_fields = ["name", "birth_date"]

    def get_queryset(self):
        if _anonymous(self.request):
            return Talent.objects.none()
        return selectors.talents_list(self.request.user).order_by("name", "id")

    def retrieve(self, request, *args, **kwargs):
        talent = access.get_or_404(self.get_queryset(), pk=kwargs["pk"])
        context = {**self.get_serializer_context(), "show_id_number": policies.can_see_id_number(request.user, talent)}
        return Response(s.TalentSerializer(talent, context=context).data)

    @extend_schema(responses={201: s.TalentSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit = data.pop("org_unit", None) or request.user.org_unit
        if unit is None:
            raise DomainError(_("Choose the talent's unit."), field="org_unit")
        talent = services.talent_create(actor=request.user, org_unit=unit, **data)
        context = {**self.get_serializer_context(), "show_id_number": True}
        return Response(s.TalentSerializer(talent, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.TalentSerializer, **ERRORS})
    def update(self, request, *args, **kwargs):
        talent = access.get_or_404(self.get_queryset(), pk=kwargs["pk"])
        serializer = self.get_serializer(talent, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        talent = services.talent_update(actor=request.user, talent_id=talent.pk, **serializer.validated_data)
        context = {**self.get_serializer_context(), "show_id_number": policies.can_see_id_number(request.user, talent)}
        return Response(s.TalentSerializer(self.get_queryset().get(pk=talent.pk), context=context).data)


class TitleFilter(filters.FilterSet):
    program = filters.CharFilter(field_name="program__code")
    level = filters.ChoiceFilter(field_name="program__level", choices=Level.choices)
    origin = filters.ChoiceFilter(choices=Origin.choices)
    org_unit = filters.CharFilter(field_name="org_unit__code")
    year_max = filters.NumberFilter(field_name="year", lookup_expr="lte", min_value=1900, max_value=2100)

    class Meta:
        model = Title
        fields = ["program", "level", "origin", "year", "org_unit", "talent"]


class TitleViewSet(viewsets.ReadOnlyModelViewSet):
    """Titles (入选) held by talents in scope."""

    serializer_class = s.TitleSerializer
    filterset_class = TitleFilter
    ordering_fields = ["year"]

    def get_queryset(self):
        if _anonymous(self.request):
            return Title.objects.none()
        return selectors.titles_list(self.request.user).order_by("-year", "program__code", "id")


class ApplicationFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=ApplicationState.choices)
    program = filters.CharFilter(field_name="call__program__code")
    year = filters.NumberFilter(field_name="call__year", min_value=1900, max_value=2100)
    org_unit = filters.CharFilter(field_name="org_unit__code")
    industry = filters.CharFilter(field_name="industry__code")
    source_channel = filters.ChoiceFilter(choices=SourceChannel.choices)

    class Meta:
        model = Application
        fields = ["state", "call", "program", "year", "org_unit", "industry", "source_channel", "talent"]


def _transition_endpoint(code: str):
    transition = APPLICATION_WORKFLOW.get(code)

    @extend_schema(
        request=s.TransitionSerializer,
        responses={200: s.ApplicationSerializer, **ERRORS},
        summary=str(transition.label),
        description=f"`{'`, `'.join(transition.sources)}` → `{transition.target}`.",
    )
    def endpoint(self, request, pk=None):
        app = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if _applicant(request) and code == "submit":
            # The reason is the applicant's reply when they answer a return for revision.
            services.applicant_submit(actor=request.user, application_id=app.pk, reply=body.validated_data["reason"])
        elif _applicant(request) and code == "withdraw":
            services.applicant_withdraw(actor=request.user, application_id=app.pk, reason=body.validated_data["reason"])
        else:
            services.application_transition(
                application_id=app.pk, action=code, actor=request.user, **body.validated_data
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=app.pk)).data)

    endpoint.__name__ = code if code != "return" else "return_"
    return action(detail=True, methods=["post"], url_path=code, url_name=code.replace("_", "-"))(endpoint)


class ApplicationViewSet(
    ValuesListMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Applications in scope (experts: only those assigned to them); transitions as POST actions.
    The hosting unit's officer or the office changes a draft or returned application (PUT, PATCH;
    its talent, call and hosting unit stay).

    A talent's own account (role ``talent``) lists and opens only its own applications (404 for
    any other) and applies online: ``POST`` creates its draft (no ``talent``; ``org_unit`` is the
    host street or park it chooses; the source channel is its own application), PUT/PATCH change
    it while it is a draft or returned for revision, ``submit`` submits it (``reason``: the reply,
    required when answering a return), ``withdraw`` withdraws it before a decision (``reason``),
    ``attachments`` adds the documents the call asks for."""

    serializer_class = s.ApplicationSerializer
    filterset_class = ApplicationFilter
    permission_classes = [ApplicantsWriteTheirOwn]
    search_fields = ["venture_name", "talent__name"]
    # ``score`` orders by the score as the caller may see it (blind review).
    ordering_fields = ["score", "industry_fit", "submitted_at", "created_at"]
    ordering_aliases = {"score": "shown_score"}

    def get_queryset(self):
        if _anonymous(self.request):
            return Application.objects.none()
        if _applicant(self.request):
            return selectors.own_applications_list(self.request.user).order_by("-created_at", "-id")
        return selectors.applications_list(self.request.user).order_by("-created_at", "-id")

    @extend_schema(responses={201: s.ApplicationSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if _applicant(request):
            if data.pop("talent", None) is not None:
                raise DomainError(_("You apply for yourself; leave out the talent."), field="talent")
            data.pop("source_channel", None)
            app = services.applicant_draft(
                actor=request.user, call_id=data.pop("call").pk, org_unit=data.pop("org_unit", None), **data
            )
            return Response(
                self.get_serializer(self.get_queryset().get(pk=app.pk)).data, status=status.HTTP_201_CREATED
            )
        for name in ("talent", "source_channel"):
            if name not in data:
                raise DomainError(_("This field is required."), field=name)
        talent = data.pop("talent")
        if not policies.talents_for(request.user).filter(pk=talent.pk).exists():
            raise DomainError(_("No such talent in your scope."), field="talent")
        app = services.application_create(actor=request.user, talent=talent, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=app.pk)).data, status=status.HTTP_201_CREATED)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.ApplicationUpdateSerializer
        return s.ApplicationSerializer

    @extend_schema(request=s.ApplicationUpdateSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    def update(self, request, *args, **kwargs):
        app = access.get_or_404(self.get_queryset(), pk=kwargs["pk"])
        body = s.ApplicationUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        if _applicant(request):
            fields = {k: v for k, v in body.validated_data.items() if k != "source_channel"}
            services.applicant_update(actor=request.user, application_id=app.pk, **fields)
        else:
            services.application_update(actor=request.user, application_id=app.pk, **body.validated_data)
        return Response(s.ApplicationSerializer(self.get_queryset().get(pk=app.pk)).data)

    submit = _transition_endpoint("submit")
    return_ = _transition_endpoint("return")
    accept = _transition_endpoint("accept")
    preliminary_reject = _transition_endpoint("preliminary_reject")
    to_defense = _transition_endpoint("to_defense")
    select = _transition_endpoint("select")
    reject = _transition_endpoint("reject")
    recommend = _transition_endpoint("recommend")
    approve = _transition_endpoint("approve")
    reject_after_notice = _transition_endpoint("reject_after_notice")
    record_approved = _transition_endpoint("record_approved")
    record_rejected = _transition_endpoint("record_rejected")
    withdraw = _transition_endpoint("withdraw")

    @extend_schema(request=s.DefenseVoteSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="defense_vote")
    def defense_vote(self, request, pk=None):
        app = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.DefenseVoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.defense_record_vote(application_id=app.pk, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=app.pk)).data)

    @extend_schema(request=s.ObjectionCreateSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        app = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.ObjectionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.objection_record(application_id=app.pk, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=app.pk)).data)

    @extend_schema(request=s.ObjectionResolveSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="resolve_objection")
    def resolve_objection(self, request, pk=None):
        app = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.ObjectionResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        objection = access.get_or_404(app.objections.all(), pk=body.validated_data["objection"])
        services.objection_resolve(
            objection_id=objection.pk,
            actor=request.user,
            upheld=body.validated_data["upheld"],
            resolution=body.validated_data["resolution"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=app.pk)).data)

    @extend_schema(request={"multipart/form-data": s.AttachmentUploadSerializer}, responses={201: None, **ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        app = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request.user,
            application_id=app.pk,
            kind=body.validated_data["kind"],
            upload=body.validated_data["file"],
        )
        return Response(
            {"id": attachment.pk, "kind": attachment.kind, "name": attachment.original_name, "size": attachment.size},
            status=status.HTTP_201_CREATED,
        )


class ReviewFilter(filters.FilterSet):
    application = filters.NumberFilter(field_name="application_id")
    expert = filters.CharFilter(field_name="expert__username")
    submitted = filters.BooleanFilter(field_name="submitted_at", lookup_expr="isnull", exclude=True)
    call = filters.NumberFilter(field_name="application__call_id")

    class Meta:
        model = ReviewAssignment
        fields = ["application", "expert", "submitted", "conflict_declared", "call"]


class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Expert review assignments: an expert sees their own; office and units the ones on applications in scope."""

    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilter
    permission_classes = [ReadOnlyForReaders]

    def get_queryset(self):
        user = self.request.user
        if _anonymous(self.request):
            return ReviewAssignment.objects.none()
        qs = ReviewAssignment.objects.select_related("expert", "application__org_unit").prefetch_related(
            Prefetch("scores", queryset=ReviewScore.objects.select_related("criterion").order_by("criterion__order"))
        )
        if user.role == Role.EXPERT:
            qs = qs.filter(expert=user)
        else:
            qs = qs.filter(application__in=policies.applications_for(user))
        return qs.order_by("-assigned_at", "-id")

    def get_serializer_class(self):
        return s.ReviewAssignSerializer if self.action == "create" else s.ReviewSerializer

    @extend_schema(request=s.ReviewAssignSerializer, responses={201: s.ReviewSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        body = s.ReviewAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        app = policies.applications_for(request.user).filter(pk=body.validated_data["application"]).first()
        if app is None:
            raise Http404
        expert = User.objects.filter(username=body.validated_data["expert"]).first()
        if expert is None:
            raise DomainError(_("No such expert."), field="expert")
        assignment = services.review_assign(application_id=app.pk, expert=expert, actor=request.user)
        return Response(s.ReviewSerializer(self.get_queryset().get(pk=assignment.pk)).data, status=201)

    @extend_schema(request=s.ReviewSubmitSerializer, responses={200: s.ReviewSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assignment = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.ReviewSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.review_submit(assignment_id=assignment.pk, actor=request.user, **body.validated_data)
        return Response(s.ReviewSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(request=s.ConflictSerializer, responses={200: s.ReviewSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="declare_conflict")
    def declare_conflict(self, request, pk=None):
        assignment = access.get_or_404(self.get_queryset(), pk=pk)
        body = s.ConflictSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.review_declare_conflict(assignment_id=assignment.pk, actor=request.user, **body.validated_data)
        return Response(s.ReviewSerializer(self.get_queryset().get(pk=assignment.pk)).data)
