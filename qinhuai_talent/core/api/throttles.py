"""The API's throttles, keyed on the client address of ``qinhuai_talent.core.clients`` (an
anonymous caller) or the account (a signed-in one), never on a header DRF would read itself."""

from rest_framework import throttling

from ..clients import client_address


class ClientAddressMixin:
    def get_ident(self, request):
        return client_address(request)


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    """Anonymous callers (the token endpoint among them), per client address."""


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """Signed-in callers per account; an anonymous request here counts per client address."""
