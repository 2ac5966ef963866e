"""Seeds the working-day calendar from chinese-calendar for every year it covers, as the periods
the State Council's notices list (runs of days off, and make-up working days)."""

from datetime import timedelta

from django.db import migrations


CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def runs(days):
    """Consecutive dates grouped into (first, last) pairs."""
    ordered = sorted(days)
    result = []
    for day in ordered:
        if result and day == result[-1][1] + timedelta(days=1):
            result[-1][1] = day
        else:
            result.append([day, day])
    return result


def seed(apps, schema_editor):
    import chinese_calendar.constants as cc

    CalendarYear = apps.get_model("filings", "CalendarYear")
    CalendarPeriod = apps.get_model("filings", "CalendarPeriod")
    years = sorted({day.year for day in cc.holidays})
    for year in years:
        calendar_year, created = CalendarYear.objects.get_or_create(
            year=year,
            defaults={
                "published": True,
                "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
                "source": "chinese-calendar",
            },
        )
        if not created:
            continue
        for kind, table in (("off", cc.holidays), ("work", cc.workdays)):
            days = {day for day in table if day.year == year}
            for first, last in runs(days):
                CalendarPeriod.objects.create(
                    calendar_year=calendar_year,
                    kind=kind,
                    first_day=first,
                    last_day=last,
                    label=CHINESE_NAMES.get(table[first], table[first] or ""),
                )


class Migration(migrations.Migration):
    dependencies = [("filings", "0002_load_jurisdictions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
