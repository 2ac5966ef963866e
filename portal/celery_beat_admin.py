"""django_celery_beat's periodic tasks in the reader's language: the library names its ``task``
field in a plain English string ("Task Name") and shows a property as a column named after it
("Scheduler"): no catalogue translates either, and the field cannot be renamed without a migration
in the library's app. Its admin is registered again with the form's label, the list's filter and
the column named through the portal's catalogue."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

TASK_LABEL = _("task name")


class TaskFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = TASK_LABEL


class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    list_display = tuple(
        "schedule" if name == "scheduler" else name for name in BeatPeriodicTaskAdmin.list_display
    )
    list_filter = [
        (name, TaskFilter) if name == "task" else name for name in BeatPeriodicTaskAdmin.list_filter
    ]

    @admin.display(description=_("schedule"))
    def schedule(self, task):
        """The library's ``scheduler`` column, which it names in English."""
        return task.scheduler

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "task" in form.base_fields:
            form.base_fields["task"].label = TASK_LABEL
        for field in form.base_fields.values():
            # A date and a time box under one label: each is named for assistive technology.
            if isinstance(field.widget, forms.SplitDateTimeWidget):
                date, time = field.widget.widgets
                date.attrs["aria-label"] = _("%(field)s: date") % {"field": field.label}
                time.attrs["aria-label"] = _("%(field)s: time") % {"field": field.label}
        return form


def register() -> None:
    if admin.site.is_registered(PeriodicTask):
        admin.site.unregister(PeriodicTask)
    admin.site.register(PeriodicTask, PeriodicTaskAdmin)
