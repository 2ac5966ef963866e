from django.urls import include, path, re_path

from api import docs, pages, schema, views
from filings.law.steps import STEPS_BY_KIND

ALL_STEPS = sorted({step for steps in STEPS_BY_KIND.values() for step in steps} - {"review"})

v1 = [
    path("systems/", views.SystemList.as_view(), name="api_systems"),
    path("systems/<int:pk>/", views.SystemDetail.as_view(), name="api_system"),
    path("systems/<int:pk>/retire/", views.SystemRetire.as_view(), name="api_system_retire"),
    path("duties/", views.DutyList.as_view(), name="api_duties"),
    path("duties/<int:pk>/", views.DutyDetail.as_view(), name="api_duty"),
    path("filings/", views.FilingList.as_view(), name="api_filings"),
    path("filings/<int:pk>/", views.FilingDetail.as_view(), name="api_filing"),
    *[
        path(
            f"filings/<int:pk>/steps/{step}/",
            views.step_view(step).as_view(),
            name=f"api_filing_step_{step}",
        )
        for step in ALL_STEPS
    ],
    path(
        "filings/<int:pk>/attachments/",
        views.AttachmentList.as_view(),
        name="api_filing_attachments",
    ),
    path(
        "filings/<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDetail.as_view(),
        name="api_filing_attachment",
    ),
    path(
        "filings/<int:pk>/attachments/<int:attachment_id>/file/",
        views.AttachmentFile.as_view(),
        name="api_filing_attachment_file",
    ),
    path("filings/<int:pk>/submit/", views.Submit.as_view(), name="api_filing_submit"),
    path("filings/<int:pk>/withdraw/", views.Withdraw.as_view(), name="api_filing_withdraw"),
    path("filings/<int:pk>/refile/", views.Refile.as_view(), name="api_filing_refile"),
    path("filings/<int:pk>/messages/", views.Messages.as_view(), name="api_filing_messages"),
    path("organization/", views.OrganizationView.as_view(), name="api_organization"),
    path("self-check/", views.SelfCheck.as_view(), name="api_self_check"),
    path("documents/", views.DocumentList.as_view(), name="api_documents"),
    path("documents/<int:pk>/file/", views.DocumentFile.as_view(), name="api_document_file"),
    path("notifications/", views.NotificationList.as_view(), name="api_notifications"),
]

urlpatterns = [
    path("organizations/<int:org_id>/api-tokens/", pages.token_list, name="api_tokens"),
    path(
        "organizations/<int:org_id>/api-tokens/<int:token_id>/revoke/",
        pages.token_revoke,
        name="api_token_revoke",
    ),
    path("api/v1/", include(v1)),
    path("api/schema/", schema.SchemaView.as_view(), name="api_schema"),
    path("api/docs/", docs.SwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    re_path(r"^api/", views.NotFoundView.as_view(), name="api_not_found"),
]
