"""The sender of the portal's emails."""

from email.header import decode_header, make_header
from email.utils import parseaddr

from notifications.emails import sender


def name_and_address(value: str) -> tuple[str, str]:
    name, address = parseaddr(value)
    return str(make_header(decode_header(name))), address


def test_an_address_alone_goes_out_under_the_portal_name_in_the_recipients_language(settings):
    settings.DEFAULT_FROM_EMAIL = "noreply@filing.example"
    assert name_and_address(sender("zh-hans")) == (
        "人脸识别技术应用备案系统",
        "noreply@filing.example",
    )
    assert sender("en") == "Facial Recognition Filing Portal <noreply@filing.example>"


def test_a_configured_sender_name_is_kept(settings):
    settings.DEFAULT_FROM_EMAIL = "深圳市网信办 <filing@sz.example>"
    assert sender("en") == sender("zh-hans") == "深圳市网信办 <filing@sz.example>"
