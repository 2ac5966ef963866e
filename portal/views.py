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


@never_cache
@require_GET
def metrics(request):
    """Prometheus metrics, for the operator only: ``Authorization: Bearer <METRICS_TOKEN>``.
    Without METRICS_TOKEN the endpoint does not exist (404), whoever asks."""
    import hmac

    from django.conf import settings
    from django.http import Http404, HttpResponse

    from portal import metrics as portal_metrics

    if not settings.METRICS_TOKEN:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {settings.METRICS_TOKEN}".encode()):
        response = HttpResponse("a metrics token is required\n", status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    body, content_type = portal_metrics.exposition()
    return HttpResponse(body, content_type=content_type)
