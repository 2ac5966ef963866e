from django.conf import settings


def site(request):
    from filings.law import rules_text
    from filings.law.regimes import current_regime

    regime = current_regime()
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SITE_URL": settings.SITE_URL,
        # What the rule set in force says of itself: home page, footer.
        "RULE_SET": regime,
        "RULE_SET_WHO_FILES": rules_text.WHO_FILES[regime.code],
        "RULE_SET_FOOTER": rules_text.FOOTER[regime.code],
        # Called by the template only where the navigation asks (one query, signed-in pages).
        "SEVERAL_ORGANIZATIONS": lambda: _several_organizations(request),
    }


def _several_organizations(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from filings.models import Membership

    return Membership.objects.filter(user=user).count() > 1
