"""``Authorization: Bearer <token>``: the token of an organization, made on its API tokens page.
The call is made in the name of the administrator who made the token (the events of a filing
say who), and only while that person is still an administrator of the organization."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import tokens
from filings.models import Membership


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("The Authorization header must be: Bearer <token>."), code="malformed_token"
            )
        try:
            presented = header[1].decode("ascii")
        except UnicodeDecodeError:
            presented = ""
        token = tokens.find_token(presented)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."), code="bad_token")
        if not token.active:
            raise exceptions.AuthenticationFailed(
                _("This token has been revoked."), code="revoked_token"
            )
        user = token.created_by
        if (
            user is None
            or not user.is_active
            or not Membership.objects.filter(
                user=user, organization_id=token.organization_id, role=Membership.Role.ADMIN
            ).exists()
        ):
            raise exceptions.AuthenticationFailed(
                _(
                    "The administrator who made this token no longer administers the "
                    "organization; an administrator must make a new one."
                ),
                code="token_owner_gone",
            )
        return user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
