from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The admin site, with the second factor; also the project's own app config, which registers
    the project-wide system checks."""

    default_site = "portal.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        from portal import celery_beat_admin, checks  # noqa: F401 - checks registers the checks

        celery_beat_admin.register()
