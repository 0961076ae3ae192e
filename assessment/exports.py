"""CSV and XLSX downloads of the league tables and work-fund splits (openpyxl, no float money)."""

import csv
from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook


def download(rows: list[list], header: list[str], name: str, fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = name[:31]
        sheet.append(header)
        for row in rows:
            sheet.append([str(v) if v is not None and not isinstance(v, int | str) else v for v in row])
        buffer = BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(response)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
