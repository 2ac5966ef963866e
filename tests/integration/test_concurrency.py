"""Two people acting at the same moment: row locks make one of them win, cleanly."""

import threading
from datetime import date

import pytest
from django.db import connection

from filings.lifecycle import services
from filings.models import Filing, FilingVersion
from tests.factories import MembershipFactory, reviewer_of
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def draft_ready_to_submit(membership) -> Filing:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from filings.documents import attachments

    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = complete_filing()
    filing.data["assessment"]["assessment_date"] = date.today().replace(day=1).isoformat()
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    return filing


def at_once(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_tabs_submitting_at_once_make_one_submission():
    membership = MembershipFactory()
    filing = draft_ready_to_submit(membership)
    results = at_once(
        lambda: services.submit_filing(filing.pk, membership.user),
        lambda: services.submit_filing(filing.pk, membership.user),
    )
    outcomes = sorted(type(result).__name__ for result in results)
    assert outcomes == ["Filing", "TransitionNotAllowed"], results
    assert FilingVersion.objects.filter(filing=filing).count() == 1


def test_two_approvals_at_once_in_one_office_get_two_numbers():
    reviewer = reviewer_of("440300")
    filings = []
    for _ in range(2):
        membership = MembershipFactory()
        filing = draft_ready_to_submit(membership)
        services.submit_filing(filing.pk, membership.user)
        filings.append(filing)
    results = at_once(*[lambda f=f: services.approve_filing(f.pk, reviewer) for f in filings])
    assert all(isinstance(result, Filing) for result in results), results
    numbers = {result.filing_number for result in results}
    assert len(numbers) == 2
    assert all(number.startswith("网信人脸备440300") for number in numbers)
