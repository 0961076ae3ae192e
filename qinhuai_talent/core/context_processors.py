from django.conf import settings

from .jobs import can_run_jobs
from .models import SEARCH_ROLES
from .registry import nav_for


def portal(request):
    user = getattr(request, "user", None)
    nav = nav_for(user) if user is not None else []
    sections: dict = {}
    for item in nav:
        sections.setdefault(str(item.section), []).append(item)
    return {
        "nav_sections": sections,
        "LANGUAGES": settings.LANGUAGES,
        "show_jobs": user is not None and can_run_jobs(user),
        "show_search": user is not None and user.is_authenticated and user.role in SEARCH_ROLES,
    }
