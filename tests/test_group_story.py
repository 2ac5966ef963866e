"""Issue 17's "done when": a group with 30 subsidiaries and 90 systems is set up from one XLSX per
subsidiary and followed on one page."""

import io
import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from filings.models import Obligation, RecognitionSystem
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
CITIES = ["440300", "440100", "330100", "110000", "310000"]


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_thirty_subsidiaries_set_up_from_one_xlsx_each_and_followed_on_one_page(client):
    person = UserFactory(email="compliance@group.example", language="zh-hans")
    client.force_login(person)
    for n in range(30):
        subsidiary = OrganizationFactory(name=f"集团子公司{n:02d}", address_division=CITIES[n % 5])
        MembershipFactory(organization=subsidiary, user=person, role="editor")
        # The template the portal gives, filled in: three systems, the example row left as is.
        template = client.get(reverse("system_bulk_template", args=[subsidiary.pk])).content
        workbook = load_workbook(io.BytesIO(template))
        for k, people in enumerate((12_000 + n, 3_000, 800)):
            workbook.worksheets[0].append(
                [f"门店{k}闸机", people, "是" if k == 2 else "否", date(2026, 1, 5 + k)]
            )
        output = io.BytesIO()
        workbook.save(output)
        preview = client.post(
            reverse("system_bulk", args=[subsidiary.pk]),
            {"file": SimpleUploadedFile("systems.xlsx", output.getvalue())},
        )
        token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
        client.post(reverse("system_bulk_confirm", args=[subsidiary.pk]), {"token": token})

    assert RecognitionSystem.objects.count() == 90
    assert Obligation.objects.filter(status="open").count() == 30

    overview = reverse("my_overview")
    first = client.get(overview).content.decode()
    assert first.count("overview-duty") == 20  # a page of duties
    second = client.get(overview, {"duties": 2}).content.decode()
    assert second.count("overview-duty") == 10
    assert "集团子公司29" in first + second
    beijing = client.get(overview, {"city": "110000"}).content.decode()
    assert beijing.count("overview-duty") == 6
    assert "向北京市网信办备案" in beijing
