from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import GenericAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..access import users_for
from ..jobs import job_create, jobs_for
from ..models import Job, JobState, OrgUnit, Role, UnitKind
from .auth import ExpiringTokenAuthentication, purge_expired
from .serializers import (
    JobCreateSerializer,
    JobSerializer,
    MeSerializer,
    OrgUnitSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
)
from .throttles import AnonRateThrottle


class TokenView(GenericAPIView):
    """Exchange a username and password for an API token (``Authorization: Token <key>``)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AnonRateThrottle]
    serializer_class = TokenRequestSerializer

    def get_authenticate_header(self, request):
        # Wrong credentials are a 401 that names the scheme, as for a missing token.
        return "Token"

    @extend_schema(
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Missing fields"),
            401: OpenApiResponse(description="Wrong credentials or locked out"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Passing the request lets django-axes count failures and lock out.
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("Please enter a correct username and password."))
        purge_expired(user)
        instance, token = AuthToken.objects.create(user)
        # Through the serializer: the expiry in the portal's time (+08:00) like every other time.
        return Response(TokenResponseSerializer({"token": token, "expiry": instance.expiry}).data)


class TokenLogoutView(GenericAPIView):
    """Revoke the token this request carries (``?all=1``: every token of the caller); 204."""

    authentication_classes = [ExpiringTokenAuthentication]
    serializer_class = None
    report_clients = True

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("all", bool, description="Revoke every token of the caller.")],
        responses={204: OpenApiResponse(description="Revoked")},
    )
    def post(self, request):
        if request.query_params.get("all") in ("1", "true"):
            AuthToken.objects.filter(user=request.user).delete()
        else:
            request.auth.delete()
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(RetrieveAPIView):
    """The caller: username, role and unit code."""

    serializer_class = MeSerializer
    report_clients = True

    def get_object(self):
        return self.request.user


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    org_unit = filters.CharFilter(field_name="org_unit__code")

    class Meta:
        model = UserSerializer.Meta.model
        fields = ["role", "org_unit", "is_active"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Accounts in the caller's scope: office all, a unit officer their unit's, others themselves."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username", "first_name", "last_name"]
    ordering_fields = ["username", "role"]

    def get_queryset(self):
        return users_for(self.request.user)


class OrgUnitFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=UnitKind.choices)

    class Meta:
        model = OrgUnit
        fields = ["kind", "active"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The district's units (public within the portal: names and codes only)."""

    serializer_class = OrgUnitSerializer
    queryset = OrgUnit.objects.order_by("kind", "code")
    filterset_class = OrgUnitFilter
    lookup_field = "code"


class JobFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=JobState.choices)

    class Meta:
        model = Job
        fields = ["kind", "state"]


class JobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Background jobs: start one (202) and follow its ``state`` and ``progress``."""

    serializer_class = JobSerializer
    filterset_class = JobFilter

    def get_queryset(self):
        return jobs_for(self.request.user)

    def get_serializer_class(self):
        return JobCreateSerializer if self.action == "create" else JobSerializer

    @extend_schema(
        request=JobCreateSerializer,
        responses={
            202: JobSerializer,
            400: OpenApiResponse(description="Unknown kind"),
            403: OpenApiResponse(description="Role may not start it"),
            503: OpenApiResponse(description="Job queue unreachable"),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = JobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = job_create(kind=serializer.validated_data["kind"], requested_by=request.user)
        job.refresh_from_db()
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
