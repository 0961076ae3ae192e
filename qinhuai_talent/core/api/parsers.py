"""Request bodies are JSON: the one parser of the API."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class PortalJSONParser(JSONParser):
    """DRF's JSON parser; a body nested deeper than the decoder's stack (``{"a":`` five thousand
    times) is a 400 like any other malformed body, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        except ParseError:
            # DRF's "JSON parse error - …" is English and quotes the decoder; say it in the reader's language.
            raise ParseError(_("The request body is not valid JSON.")) from None
