"""The facial-data step shows a field only once it applies (issue 25, point 6): the cloud provider
when the cloud is ticked, the basis for keeping originals when they are kept, the basis for
storing off the device when it is stored off the device."""

import pytest
from playwright.sync_api import expect

from filings.lifecycle import services
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_conditional_fields_show_once_they_apply(live_server, page):
    membership = MembershipFactory(role="admin")
    filing = services.start_initial_filing(membership.organization, membership.user)
    page.context.add_cookies([_session_cookie(membership.user, live_server.url)])
    page.goto(
        f"{live_server.url}/organizations/{membership.organization_id}/filings/{filing.pk}"
        "/steps/facial_data/"
    )
    cloud = page.locator("#div_id_cloud_provider")
    originals = page.locator("#div_id_originals_basis")
    off_device = page.locator("#div_id_off_device_basis")
    for wrapper in (cloud, originals, off_device):
        expect(wrapper).to_be_hidden()
    page.check("input[name=storage_locations][value=own_servers]")
    expect(off_device).to_be_visible()
    expect(cloud).to_be_hidden()
    page.check("input[name=storage_locations][value=cloud]")
    expect(cloud).to_be_visible()
    page.uncheck("input[name=storage_locations][value=own_servers]")
    expect(off_device).to_be_visible()  # the cloud is off the device too
    page.uncheck("input[name=storage_locations][value=cloud]")
    expect(off_device).to_be_hidden()
    page.check("#id_keeps_originals")
    expect(originals).to_be_visible()


def _session_cookie(user, url):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}
