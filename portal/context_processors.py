from django.conf import settings


def site(request):
    from filings import rules_text
    from filings.regimes import current_regime

    regime = current_regime()
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SITE_URL": settings.SITE_URL,
        # What the rule set in force says of itself: home page, footer.
        "RULE_SET": regime,
        "RULE_SET_WHO_FILES": rules_text.WHO_FILES[regime.code],
        "RULE_SET_FOOTER": rules_text.FOOTER[regime.code],
    }
