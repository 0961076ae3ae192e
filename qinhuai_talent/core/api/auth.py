"""Token authentication: knox tokens (stored hashed, expiring) under the ``Token`` prefix.

A missing or invalid token is a 401 JSON answer.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication; named here so settings and the schema refer to one place."""


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
