import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class OrganizationFactory(factory.django.DjangoModelFactory):
    """Registered in Shenzhen (440300) by default; the USCC is valid, check character included."""

    class Meta:
        model = "filings.Organization"

    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    uscc = factory.Sequence(lambda n: valid_uscc(n))
    address_division = "440300"
    street_address = "南山区科技园一路1号"
    legal_representative = "张三"
    responsible_person = "李四"
    responsible_person_id_number = "11010519491231002X"
    contact_name = "王五"
    contact_mobile = "13800138000"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.com")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "filings.Membership"

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = "admin"


class ReviewerFactory(factory.django.DjangoModelFactory):
    """A reviewer appointed to an office (Shenzhen's by default), staff and in the reviewers'
    group, as the admin's appointment makes one."""

    class Meta:
        model = "filings.Reviewer"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    office = factory.LazyFunction(lambda: _office("440300"))

    @factory.post_generation
    def _in_the_reviewers_group(obj, create, extracted, **kwargs):
        from filings.review.reviewer_group import ensure_reviewer_group

        if create:
            obj.user.groups.add(ensure_reviewer_group())


def _office(code: str):
    from filings.models import Jurisdiction

    return Jurisdiction.objects.get(code=code)


def reviewer_of(code: str, email: str | None = None, **user_fields) -> User:
    """The account of a reviewer of the office of division ``code``."""
    if email is not None:
        user_fields["email"] = email
    user_fields = {f"user__{name}": value for name, value in user_fields.items()}
    return ReviewerFactory(office=_office(code), **user_fields).user


def approved_by_the_office(filing_id: int, reviewer):
    """The filing approved as its office decides: alone, or, where the office asks for a second
    signature (provincial offices under the 2025 measures), proposed by ``reviewer`` and signed off
    by a signer of the same office."""
    from django.contrib.auth.models import Group

    from filings.lifecycle import services, sign_off
    from filings.models import Filing
    from filings.review.handling import requires_sign_off
    from filings.review.reviewer_group import SIGNER_GROUP, ensure_role_groups

    filing = Filing.objects.select_related("office").get(pk=filing_id)
    if not requires_sign_off(filing):
        return services.approve_filing(filing_id, reviewer)
    sign_off.propose_decision(filing_id, reviewer, Filing.Proposal.APPROVE)
    ensure_role_groups()
    signer = reviewer_of(filing.office.code)
    signer.groups.add(Group.objects.get(name=SIGNER_GROUP))
    return sign_off.sign_off(filing_id, type(signer).objects.get(pk=signer.pk))


def valid_uscc(n: int) -> str:
    """A syntactically valid USCC (9144030 + a 10-digit body + its mod-31 check character)."""
    from stdnum.cn import uscc

    body = f"91440300{n:09d}"
    return body + uscc.calc_check_digit(body)


def login_with_second_factor(client, user):
    """Log ``user`` in as after both steps: the password (force_login) and a code from an
    authenticator (a confirmed device, recorded in the session as django_otp.login does)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def sign_in(client, user):
    """As the pages would: a member of staff past the second factor, anyone else by password."""
    if user.is_staff:
        return login_with_second_factor(client, user)
    client.force_login(user)
    return None
