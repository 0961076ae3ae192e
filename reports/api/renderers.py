"""CSV and XLSX renderers for the summary (``?format=csv|xlsx``)."""

from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer

from qinhuai_talent.core.spreadsheets import XLSX_TYPE, write_csv, write_xlsx

from ..exports import summary_sections


def _heading(data: dict) -> str:
    scope = data.get("org_unit") or _("district")
    return _("Qinhuai District talent work: summary %(year)s (%(scope)s)") % {"year": data["year"], "scope": scope}


class SummaryCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return write_csv(summary_sections(data), _heading(data))


class SummaryXLSXRenderer(BaseRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return write_xlsx(summary_sections(data), _heading(data))


EXPORT_RENDERERS = (SummaryCSVRenderer, SummaryXLSXRenderer)
