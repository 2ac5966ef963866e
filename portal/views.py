from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import health


def home(request):
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request):
    checks = {"database": health.database_state(), "broker": health.broker_state()}
    healthy = all(state == "ok" for state in checks.values())
    status = 200 if healthy else 503
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=status)


@never_cache
@require_GET
def live(request):
    """The process answers: nothing else is asked, so a database or Redis outage does not get
    every web process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """Whether this host should be sent requests: the database, Redis (the broker, and the cache
    when it is in Redis) and the file storage all answer."""
    checks = {
        "database": health.database_state(),
        "broker": health.broker_state(),
        "cache": health.cache_state(),
        "storage": health.storage_state(),
    }
    healthy = all(state == "ok" for state in checks.values())
    status = 200 if healthy else 503
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=status)
