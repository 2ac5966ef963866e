"""How a signed-in person is read at the start of each request, and their permissions once.

Django's ``ModelBackend`` reads the user in one query, then (on the first permission check) their
own permissions and their groups' in two more; every page of the review workspace then reads the
reviewer's appointment and office in a fourth (``filings.review.review_scope.office_of``). This
backend reads the appointment and office with the user (a LEFT JOIN: nothing for a filer, who has
none) and both sets of permissions in one UNION. The rules are ModelBackend's: the same password
check, the same inactive users refused, the same permissions; only the round trips are fewer.

Sessions remember the backend that signed them in: sessions begun under Django's ``ModelBackend``
(before this one was configured) end, and their users sign in again once.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

PATH = "portal.auth_backend.PortalBackend"


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.select_related("reviewer__office")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                names = Permission.objects.values_list("content_type__app_label", "codename")
            else:
                own = Permission.objects.filter(user=user_obj).order_by()
                through_groups = Permission.objects.filter(group__user=user_obj).order_by()
                names = own.values_list("content_type__app_label", "codename").union(
                    through_groups.values_list("content_type__app_label", "codename")
                )
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in names.order_by()}
        return user_obj._perm_cache
