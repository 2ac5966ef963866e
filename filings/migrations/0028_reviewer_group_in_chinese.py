"""The reviewers' group is named in Chinese, as the lead's and the signer's are (处室负责人,
签发人): an administrator reads the name in the users' page, where no catalogue translates it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD, NEW = "Reviewers", "审核人员"


def rename(apps, schema_editor, old=OLD, new=NEW):
    Group = apps.get_model("auth", "Group")
    if not Group.objects.filter(name=new).exists():
        Group.objects.filter(name=old).update(name=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("filings", "0027_merged_audit_actions"),
    ]

    operations = [
        migrations.RunPython(rename, rename_back),
        # The reviewers' list named its first column in the field's English name.
        migrations.AlterField(
            model_name="reviewer",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reviewer",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
    ]
