"""On PostgreSQL, a trigram index for the review queue's search by a part of an organization's name.

The admin's search runs ``organization__name__icontains``, which Django writes as
``UPPER("name"::text) LIKE UPPER('%…%')``: the index is on that same expression, so a search reads
the few matching names instead of every organization. SQLite has no such index; nothing is done
there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS organization_name_trigram ON filings_organization "
    "USING gin (UPPER(name::text) gin_trgm_ops)"
)
DROP = "DROP INDEX IF EXISTS organization_name_trigram"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("filings", "0009_review_queue_index")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
