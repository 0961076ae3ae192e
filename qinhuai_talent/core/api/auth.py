"""Token authentication: knox tokens (stored hashed, expiring) under the ``Token`` prefix.

A missing or invalid token is a 401 JSON answer.
"""

import binascii
from hmac import compare_digest

from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from .. import prepared


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication; named here so settings and the schema refer to one place.

    ``authenticate_credentials`` is knox's own, except that the token is read together with its
    user (one fixed statement, ``_TokenStatement``), and only the token presented is checked for
    expiry: one query on every API request where knox spends two (knox reads all the user's
    tokens on every request to delete the expired ones; here they are deleted when the user is
    issued a new token, ``purge_expired``)."""

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
        for auth_token in _tokens_with_users(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
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


class _TokenStatement:
    """The tokens of a key, each with its user, in one fixed statement prepared once per
    connection (``core.prepared``): what ``Token.objects.select_related("user").filter(token_key=…)``
    reads and builds, without compiling that query on every API request."""

    def __init__(self, conn):
        token_model = get_token_model()
        user_field = token_model._meta.get_field("user")
        user_model = user_field.related_model
        qn = conn.ops.quote_name
        tokens, users = qn(token_model._meta.db_table), qn(user_model._meta.db_table)
        self.token_fields, self.user_fields = token_model._meta.concrete_fields, user_model._meta.concrete_fields
        columns = [f"{tokens}.{qn(f.column)}" for f in self.token_fields]
        columns += [f"{users}.{qn(f.column)}" for f in self.user_fields]
        # The models' own table and column names, quoted; the key is the one parameter.
        on = f"{tokens}.{qn(user_field.column)} = {users}.{qn(user_model._meta.pk.column)}"
        where = f"{tokens}.{qn(token_model._meta.get_field('token_key').column)} = %s"
        self.sql = f"SELECT {', '.join(columns)} FROM {tokens} INNER JOIN {users} ON {on} WHERE {where}"  # noqa: S608
        self.token_model, self.user_model, self.user_field = token_model, user_model, user_field
        self.token_names = [f.attname for f in self.token_fields]
        self.user_names = [f.attname for f in self.user_fields]
        # The database's converters of each column's value (SQLite's date-times, say), as a
        # compiled query applies them.
        self.converters = []
        for i, (model, field) in enumerate(
            [(token_model, f) for f in self.token_fields] + [(user_model, f) for f in self.user_fields]
        ):
            column = field.get_col(model._meta.db_table)
            functions = conn.ops.get_db_converters(column) + column.get_db_converters(conn)
            if functions:
                self.converters.append((i, column, functions))

    def rows(self, conn, key: str):
        with conn.cursor() as cursor:
            prepared.execute(cursor, self.sql, [key])
            rows = cursor.fetchall()
        n = len(self.token_fields)
        for row in rows:
            row = list(row)
            for i, column, functions in self.converters:
                for convert in functions:
                    row[i] = convert(row[i], column, conn)
            auth_token = self.token_model.from_db(conn.alias, self.token_names, row[:n])
            user = self.user_model.from_db(conn.alias, self.user_names, row[n:])
            self.user_field.set_cached_value(auth_token, user)
            yield auth_token


_STATEMENTS: dict[tuple[str, str], _TokenStatement] = {}


def token_statement(conn) -> _TokenStatement:
    statement = _STATEMENTS.get((conn.alias, conn.vendor))
    if statement is None:
        statement = _STATEMENTS[(conn.alias, conn.vendor)] = _TokenStatement(conn)
    return statement


def _tokens_with_users(key: str):
    conn = connections[router.db_for_read(get_token_model())]
    return token_statement(conn).rows(conn, key)


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
