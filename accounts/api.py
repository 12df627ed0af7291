"""API sign-in: obtain a token (password plus second factor), list and revoke tokens."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import ApiToken

FAILED = _("Unable to sign in with these credentials.")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text="Current code from the authenticator app (or a recovery code); required for every role "
        "that sees identifying data and for anyone who enrolled.",
    )  # fmt: skip
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="What the token is for.")


class TokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    state = serializers.CharField(read_only=True, help_text="active, expired or revoked")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "username", "created_at", "expires_at", "last_used_at", "revoked_at", "state"]
        read_only_fields = fields


class NewTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once: it is stored hashed.")
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ObtainTokenView(APIView):
    """POST username, password and otp, get a new API token (the same 400 for any failed sign-in)."""

    authentication_classes = ()  # a browser session must not turn this into a CSRF target
    permission_classes = ()

    @extend_schema(request=TokenRequestSerializer, responses={200: NewTokenSerializer}, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # django-axes reads the credentials and the address from the plain HttpRequest.
        user = authenticate(request._request, username=values["username"], password=values["password"])
        if user is None or (
            selectors.mfa_enforced(user) and not services.totp_valid_for_api(user=user, token=values.get("otp", ""))
        ):
            if user is not None:  # right password, missing or wrong code: a failed sign-in too
                services.count_failure(request=request._request, user=user)
            return Response({"non_field_errors": [FAILED]}, status=status.HTTP_400_BAD_REQUEST)
        services.sign_in_completed(request=request._request, user=user)
        token, key = services.api_token_create(user=user, name=values.get("name") or "API token", request=request)
        return Response({"token": key, "name": token.name, "expires_at": token.expires_at})


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your API tokens (administrators: everyone's); revoke one with POST .../revoke/."""

    serializer_class = TokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.api_tokens_visible_to(self.request.user)

    @extend_schema(request=None, responses={200: TokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.api_token_revoke(token=self.get_object(), by=request.user, request=request._request)
        return Response(TokenSerializer(token).data)
