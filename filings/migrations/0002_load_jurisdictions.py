"""Loads every provincial- and prefecture-level division from the dated snapshot in filings/data."""

import json
from pathlib import Path

from django.db import migrations

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "divisions.json"


def office_names(name: str, name_en: str) -> tuple[str, str]:
    return f"{name}网信办", f"{name_en} Cyberspace Office"


def load(apps, schema_editor):
    Jurisdiction = apps.get_model("filings", "Jurisdiction")
    data = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    provinces = {}
    for row in data["provinces"]:
        office, office_en = office_names(row["name"], row["name_en"])
        provinces[row["code"]], _ = Jurisdiction.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "level": "province",
                "office_name": office,
                "office_name_en": office_en,
            },
        )
    for row in data["prefectures"]:
        office, office_en = office_names(row["name"], row["name_en"])
        Jurisdiction.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "level": "prefecture",
                "province": provinces[row["province"]],
                "office_name": office,
                "office_name_en": office_en,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
