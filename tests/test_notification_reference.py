"""The notifications app says what its code does (issue 25, section 3, "stale links"): it never
imports filings, so its model holds the PDF's id as a plain reference, not a foreign key into
filings. (Its migration alters the column in place: the ids already stored stay.)"""

from notifications.models import Notification


def test_no_notification_field_points_into_another_app():
    for field in Notification._meta.get_fields():
        target = getattr(field, "related_model", None)
        assert target is None or target._meta.app_label == "notifications", field.name
    assert Notification._meta.get_field("document_id").get_internal_type() == "BigIntegerField"
