from django.conf import settings

from .registry import nav_for


def portal(request):
    user = getattr(request, "user", None)
    nav = nav_for(user) if user is not None else []
    sections: dict = {}
    for item in nav:
        sections.setdefault(str(item.section), []).append(item)
    return {"nav_sections": sections, "LANGUAGES": settings.LANGUAGES}
