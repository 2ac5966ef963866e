from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import views

admin.site.site_header = _("Facial Recognition Filing Portal · Review")
admin.site.site_title = _("Facial Recognition Filing Portal")
admin.site.index_title = _("Review workspace")
admin.site.enable_nav_sidebar = False  # the queue needs the width

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.live, name="healthz_live"),
    path("healthz/ready", views.ready, name="healthz_ready"),
    path("metrics", views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("filings.public_urls")),
    path("", include("filings.urls")),
]

# Under /api/, Django's own error answers come in the API's error shape too.
handler400 = "api.errors.bad_request"
handler403 = "api.errors.permission_denied"
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"
