"""gunicorn's settings for every gunicorn started from the project's directory (the Procfile's
web process, scripts/schemathesis.sh, the benchmarks): gunicorn reads ./gunicorn.conf.py itself.

A request line or a header field over gunicorn's default limits (4094 and 8190 bytes) was refused
by gunicorn with an HTML page of its own, status 400, before the portal saw it. The limits are
raised here to gunicorn's hard maximum for a request line (8190: a higher value is cut to it, and
only 0, no limit at all, would lift it) and to twice the default for a header field (the headers
of a request stay bounded by gunicorn's buffer of limit_request_fields fields); under /api/ the
portal itself refuses anything over the old limits (api.middleware.OverlongRequestMiddleware):
414 or 431, in the API's error shape; the pages keep their own checks. Past gunicorn's maximum
gunicorn still answers (README, REST API): an unlimited request line would be read into memory
whatever its size.
"""

limit_request_line = 8190
limit_request_field_size = 16380
