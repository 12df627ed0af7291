"""DRF authentication with accounts.ApiToken: `Authorization: Token <key>`; expired or revoked keys fail."""

import hmac

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services
from .models import ApiToken, secret_hash


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = self.token_for(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        services.api_token_touch(token=token)
        return token.user, token

    @staticmethod
    def token_for(key: str) -> ApiToken | None:
        """The active token for this key, compared by hash in constant time; None otherwise."""
        if len(key) <= ApiToken.PREFIX_LENGTH or len(key) > 200:
            return None
        token = ApiToken.objects.select_related("user").filter(prefix=key[: ApiToken.PREFIX_LENGTH]).first()
        if token is None or not hmac.compare_digest(token.key_hash, secret_hash(key)):
            return None
        if not token.is_active or not token.user.is_active:
            return None
        from partners.backends import MembershipBackend

        if not MembershipBackend().user_can_authenticate(token.user):  # demo accounts outside DEBUG
            return None
        return token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: POST /api/v1/auth/token/ with username, password and otp. Keys expire.",
        }
