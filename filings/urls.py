from django.urls import include, path

from filings.views import account_rights, dashboard, filings, overview, systems

urlpatterns = [
    path("my/account/data/", account_rights.account_data, name="account_data"),
    path("my/account/data.json", account_rights.account_data_json, name="account_data_json"),
    path("my/account/close/", account_rights.close, name="account_close"),
    path("dashboard/", dashboard.my_dashboard, name="my_dashboard"),
    path("my/organizations/", overview.overview, name="my_overview"),
    path("organizations/<int:org_id>/", dashboard.organization_dashboard, name="dashboard"),
    path("organizations/<int:org_id>/systems/new/", systems.declare, name="system_new"),
    path("organizations/<int:org_id>/systems/bulk/", systems.bulk_declare, name="system_bulk"),
    path(
        "organizations/<int:org_id>/systems/bulk/template.xlsx",
        systems.bulk_template,
        name="system_bulk_template",
    ),
    path(
        "organizations/<int:org_id>/systems/bulk/confirm/",
        systems.bulk_confirm,
        name="system_bulk_confirm",
    ),
    path("organizations/<int:org_id>/total/", systems.declare_total, name="total_declare"),
    path(
        "organizations/<int:org_id>/systems/<int:system_id>/retire/",
        systems.retire,
        name="system_retire",
    ),
    path(
        "organizations/<int:org_id>/systems/<int:system_id>/",
        systems.declare,
        name="system_edit",
    ),
    path("organizations/<int:org_id>/filings/start/", filings.start_initial, name="filing_start"),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/", filings.detail, name="filing_detail"
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/follow-up/<str:kind>/",
        filings.start_follow_up,
        name="filing_follow_up",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/steps/<str:step>/",
        filings.step,
        name="filing_step",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/attachments/",
        filings.upload,
        name="attachment_upload",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/attachments/<int:attachment_id>/",
        filings.download,
        name="attachment_download",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/attachments/<int:attachment_id>/withdraw/",
        filings.withdraw,
        name="attachment_withdraw",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/documents/",
        filings.documents_panel,
        name="documents_panel",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/documents/<int:document_id>/",
        filings.document_download,
        name="document_download",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/letters/<str:kind>.pdf",
        filings.letter,
        name="filing_letter",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/withdraw/",
        filings.withdraw_filing,
        name="filing_withdraw",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/delete/",
        filings.delete_draft,
        name="filing_delete_draft",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/refile/",
        filings.refile,
        name="filing_refile",
    ),
    path(
        "organizations/<int:org_id>/filings/<int:filing_id>/messages/",
        filings.write_message,
        name="filing_message",
    ),
    path("", include("filings.organization_urls")),
]
