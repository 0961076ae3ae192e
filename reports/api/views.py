import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from qinhuai_talent.core import clock, resultcache
from qinhuai_talent.core.api.throttles import AnonRateThrottle, UserRateThrottle
from qinhuai_talent.core.http import content_disposition

from .. import search
from ..selectors import parse_year, report_scope, summary
from .renderers import EXPORT_RENDERERS, SummaryCSVRenderer, SummaryXLSXRenderer
from .serializers import SearchSerializer, SummarySerializer
from .throttles import ReportClientThrottle

FORMATS = ("json", "csv", "xlsx")


def figures_tag(key: tuple, data: dict) -> str:
    """An ETag for the summary from its figures (not ``generated_at``, which every computation
    changes) and everything else it depends on."""
    figures = {name: value for name, value in data.items() if name != "generated_at"}
    payload = json.dumps([list(key), figures], cls=DjangoJSONEncoder, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class ReportAPIView(APIView):
    """A report endpoint: JSON, CSV or XLSX; report clients are throttled; every error is JSON."""

    renderer_classes = [JSONRenderer, *EXPORT_RENDERERS]
    report_clients = True  # the endpoints a report client's token reads (core.api.permissions)
    throttle_classes = [UserRateThrottle, AnonRateThrottle, ReportClientThrottle]

    def perform_content_negotiation(self, request, force=False):
        fmt = request.query_params.get("format")
        if not force and fmt and fmt not in FORMATS:
            # DRF would answer an unknown format with a bare 404; name the parameter instead.
            raise ValidationError(
                {"format": [_("Unknown format “%(format)s”. Use json, csv or xlsx.") % {"format": fmt}]}
            )
        return super().perform_content_negotiation(request, force=force)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), EXPORT_RENDERERS):
            # An error is a JSON message, whatever format the caller asked for.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=_("This report client has made too many requests."))

    def is_export(self) -> bool:
        return isinstance(self.request.accepted_renderer, EXPORT_RENDERERS)


class SummaryView(ReportAPIView):
    """The district's figures for a year (CONTRACT.md): titles by program, level and origin; the
    year's pipeline by program and stage; enterprise figures; maker spaces; funding; the exit
    mechanism; the unit assessment's league table. Scoped to the caller: a unit officer reads its
    unit, a report client the units of its grant."""

    @extend_schema(
        operation_id="reports_summary",
        parameters=[
            OpenApiParameter(
                "year",
                OpenApiTypes.INT,
                description="Report year (default: the latest year with a call, never later than this year)",
            ),
            OpenApiParameter("org_unit", OpenApiTypes.STR, description="One unit's code (default: the caller's scope)"),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"], description="Response format"),
        ],
        responses={
            (200, "application/json"): SummarySerializer,
            (200, SummaryCSVRenderer.media_type): OpenApiTypes.STR,
            (200, SummaryXLSXRenderer.media_type): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Unknown year, unit or format"),
            403: OpenApiResponse(description="The unit is outside the caller's scope"),
            429: OpenApiResponse(description="Report client throttled"),
        },
    )
    def get(self, request):
        year = parse_year(request.query_params.get("year"))
        scope = report_scope(request.user, request.query_params.get("org_unit"))
        if not self.is_export():
            # Kept in the result cache while no table it reads has changed (``generated_at`` says
            # when it was computed); the key holds what else it depends on.
            key = ("reports.summary", year, scope.units, scope.unit and scope.unit.code)
            key += (get_language(), clock.today().isoformat())
            # Its ETag is the kept result's version: a conditional request is answered 304 without
            # computing or reading it; a plain one reads it and its version in one query. Where
            # nothing is kept (SQLite), the figures themselves, less the moment they were computed.
            if request.headers.get("If-None-Match"):
                kept = resultcache.fingerprint(key)
                if kept is not None:
                    not_modified = get_conditional_response(request._request, etag=quote_etag(kept))
                    if not_modified is not None:
                        return not_modified
            data, kept = resultcache.cached_with_fingerprint(
                key, lambda: SummarySerializer(summary(scope=scope, year=year)).data
            )
            kept = kept or figures_tag(key, data)
            not_modified = get_conditional_response(request._request, etag=quote_etag(kept))
            if not_modified is not None:
                return not_modified
            response = Response(data)
            response["ETag"] = quote_etag(kept)
            return response
        data = summary(scope=scope, year=year)
        response = Response(data)
        name = f"qinhuai-summary-{year}{'-' + scope.unit.code if scope.unit else ''}.{request.accepted_renderer.format}"
        response["Content-Disposition"] = content_disposition(name)
        return response


class SearchView(APIView):
    """The header's search as JSON: applications, talents, enterprises, agreements and payouts in
    the caller's scope matching a name, an application or agreement number, a credit code or a
    whole ID number (never a part of one; shown masked unless the caller may see it)."""

    @extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description="At least 2 characters, at most 60 are read"
            )
        ],
        responses={
            200: SearchSerializer,
            400: OpenApiResponse(description="The query is missing or shorter than 2 characters"),
            403: OpenApiResponse(description="The caller's role has no search"),
        },
    )
    def get(self, request):
        if not search.can_search(request.user):
            raise PermissionDenied(_("Your role has no search."))
        results = search.search(request.user, request.query_params.get("q", ""))
        if results.refused:
            raise ValidationError({"q": [results.refused]})
        return Response(SearchSerializer(results).data)
