"""OpenAPI post-processing: document the error answers every operation can give.

drf-spectacular documents only the success response unless told; every authenticated operation
can also answer 400 (bad input), 401 (no or bad token), 403 (role), 404 (missing or out of scope),
405 (method not allowed by the action), 429 (throttled) and 503 (job queue down).
"""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer

from ..http import content_disposition

ERROR_SCHEMA = {
    "type": "object",
    "description": "A message per field, or `detail` for the whole request.",
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}],
    },
}

ERRORS = {
    "400": "Bad input: a message per field.",
    "401": "Missing, invalid or expired credentials.",
    "403": "Your role or unit may not do this.",
    "404": "No such record in your scope.",
    "405": "Method not allowed.",
    "409": "Conflicts with existing records.",
    "429": "Too many requests; retry later.",
    "503": "A backing service is unavailable; retry later.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                response = responses.setdefault(code, {"description": description})
                # An error a view describes in words still has the body every error has, so a
                # generated client parses it (an error without content was read as nothing).
                response.setdefault("content", {"application/json": {"schema": ref}})
    return result


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, for signed-in callers (``SERVE_PERMISSIONS``); its refusals are JSON
    like every other answer of the API, not YAML."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            # drf-spectacular writes the Chinese title as the file name, which Django sends as an
            # RFC 2047 encoded word; RFC 5987 is what browsers and clients read.
            response["Content-Disposition"] = content_disposition(self._get_filename(request, None), "inline")
        return response


def _reference_names() -> set[str]:
    """The names of the portal's foreign keys: a filter by one of them takes a record's id."""
    from django.apps import apps

    return {
        field.name
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.many_to_one and field.concrete
    }


def portable_for_clients(result, generator, request, public):
    """What a client generator reads must not depend on the request's language or guess types
    (issue 15 item 10): a query parameter's ``title`` (django-filter's translated label, which
    openapi-python-client turns into class names such as ``EnterprisesList状态``) moves into its
    description, and a year or a record's id is an integer, not any number nor a string of digits
    (the router's pattern for a path id, ``routers.RECORD_ID``, is an int64 to a client)."""
    from .routers import RECORD_ID

    references = _reference_names()
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                title = schema.pop("title", None)
                if title and not parameter.get("description"):
                    parameter["description"] = title
                if parameter.get("in") == "path" and schema.get("pattern") == f"^{RECORD_ID}$":
                    parameter["schema"] = {"type": "integer", "format": "int64", "minimum": 0, "maximum": 10**18 - 1}
                    continue
                name = parameter.get("name", "")
                is_id = name == "year" or name.endswith(("_id", "_year")) or name in references
                if schema.get("type") == "number" and is_id and "format" not in schema:
                    schema["type"] = "integer"
    return result
