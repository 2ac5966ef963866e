"""Notification.document was a foreign key into filings, which notifications no longer imports:
it becomes the plain id it is used as (the column and its values stay)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_attached_document"),
    ]

    operations = [
        # Still named "document", the field keeps its column while it stops being a key ...
        migrations.AlterField(
            model_name="notification",
            name="document",
            field=models.BigIntegerField(
                blank=True,
                null=True,
                db_index=True,
                db_column="document_id",
                verbose_name="PDF attached",
                help_text="The email waits for this PDF to be ready, then carries it.",
            ),
        ),
        # ... then takes the name it is read by, whose column is that one.
        migrations.RenameField(
            model_name="notification",
            old_name="document",
            new_name="document_id",
        ),
        migrations.AlterField(
            model_name="notification",
            name="document_id",
            field=models.BigIntegerField(
                blank=True,
                null=True,
                db_index=True,
                verbose_name="PDF attached",
                help_text="The email waits for this PDF to be ready, then carries it.",
            ),
        ),
    ]
