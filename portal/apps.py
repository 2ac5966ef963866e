from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The admin site, with the second factor; also the project's own app config, which registers
    the project-wide system checks."""

    default_site = "portal.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        from portal import checks  # noqa: F401 - registers the system checks
