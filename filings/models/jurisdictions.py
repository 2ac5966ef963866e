from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.Model):
    """A provincial- or prefecture-level division and the cyberspace office that reviews there."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Provincial level")
        PREFECTURE = "prefecture", _("Prefecture level")

    class SignOff(models.TextChoices):
        DEFAULT = "default", _("As the rule set says (provincial offices under the 2025 measures)")
        REQUIRED = "required", _("Required")
        NOT_REQUIRED = "not_required", _("Not required")

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prefectures",
        limit_choices_to={"level": "province"},
    )
    office_name = models.CharField(_("office name"), max_length=100)
    office_name_en = models.CharField(_("office name in English"), max_length=150)
    # Whether approvals, refusals and revocations wait for a second person's signature (签发):
    # filings/review/handling.py reads it (``sign_off_required``).
    sign_off = models.CharField(
        _("second signature"),
        max_length=12,
        choices=SignOff.choices,
        default=SignOff.DEFAULT,
        help_text=_(
            "Approvals, refusals and revocations proposed by the reviewer who handles a filing "
            "are signed off by another person with the sign-off role."
        ),
    )

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]

    def __str__(self):
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        return self.name_en if get_language() == "en" else self.name

    @property
    def office_display_name(self) -> str:
        return self.office_name_en if get_language() == "en" else self.office_name
