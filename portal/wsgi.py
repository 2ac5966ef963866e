import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a configuration that splits files or counts between hosts is
# refused here, at start, not found out by a filer whose upload another host cannot serve.
from portal.checks import refuse_unsafe_at_start  # noqa: E402

refuse_unsafe_at_start()
