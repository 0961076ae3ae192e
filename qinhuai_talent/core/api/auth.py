"""Token authentication: knox tokens (stored hashed, expiring) under the ``Token`` prefix.

A missing or invalid token is a 401 JSON answer.
"""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication; named here so settings and the schema refer to one place.

    ``authenticate_credentials`` is knox's own, except that the token is read together with its
    user, and only the token presented is checked for expiry: one query on every API request
    where knox spends two (knox reads all the user's tokens on every request to delete the
    expired ones; here they are deleted when the user is issued a new token, ``purge_expired``)."""

    def _cleanup_token(self, auth_token) -> bool:
        """The presented token, expired, is deleted and refused (knox sends its signal)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        candidates = get_token_model().objects.select_related("user")
        for auth_token in candidates.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)


def purge_expired(user) -> int:
    """Delete the user's expired tokens (when a new one is issued); returns how many."""
    return get_token_model().objects.filter(user=user, expiry__lt=timezone.now()).delete()[0]


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "qinhuai_talent.core.api.auth.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` from `POST /api/v1/auth/token/`.",
        }
