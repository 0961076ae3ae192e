"""Report clients (role ``api_client``) are held to their own rate (scope ``report_client``)."""

from qinhuai_talent.core.api.throttles import UserRateThrottle
from qinhuai_talent.core.models import Role


class ReportClientThrottle(UserRateThrottle):
    """Counts each report client's requests to the report endpoints; other roles pass (they are
    under the default user rate)."""

    scope = "report_client"

    def allow_request(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.role == Role.API_CLIENT):
            return True
        return super().allow_request(request, view)
