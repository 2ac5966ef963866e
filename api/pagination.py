"""Lists paged by a cursor on (the moment of last change, id), as of the moment the first page
was read.

Paged by number, a record changed while a client paged moved from an early page to a later one:
the records behind it shifted forward and one was never seen, and the changed one came twice.
Here the next page starts strictly after the last row seen, in the order (moment, id), which no
change can reorder before it; and the cursor carries the moment the first page was read, so a
record changed after that is left for the next poll (``updated_since``) instead of coming again
at the end. Nothing is skipped and nothing repeats.
"""

import base64
import binascii
import json

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.dates import parse_moment

BAD_CURSOR = _("This cursor is not one the API gave; start again without it.")
BAD_PAGE_SIZE = _("Give page_size as a whole number from 1 to %(limit)d.")


class CursorPages(BasePagination):
    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        field = getattr(view, "cursor_field", "updated_at")
        size = self._page_size(request)
        after, until = self._cursor(request)
        until = until or timezone.now()
        rows = queryset.filter(**{f"{field}__lte": until})
        self.count = rows.count()
        if after is not None:
            moment, pk = after
            rows = rows.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk}))
        page = list(rows.order_by(field, "pk")[: size + 1])
        self.next_url = None
        if len(page) > size:
            page = page[:size]
            last = page[-1]
            self.next_url = replace_query_param(
                request.build_absolute_uri(),
                self.cursor_query_param,
                _encode(getattr(last, field), last.pk, until),
            )
        return page

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        ErrorDetail(
                            str(BAD_PAGE_SIZE % {"limit": self.max_page_size}),
                            code="invalid_page_size",
                        )
                    ]
                }
            )
        return int(raw)

    def _cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None, None
        try:
            data = json.loads(
                base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4))
            )
            after = (parse_moment(data["m"]), int(data["i"]))
            until = parse_moment(data["u"])
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [ErrorDetail(str(BAD_CURSOR), code="invalid_cursor")]}
            ) from None
        return after, until

    def get_paginated_response(self, data):
        return Response({"count": self.count, "next": self.next_url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Rows in the whole list, as of the first page.",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        # ``cursor`` is left out on purpose: it is opaque and comes only in ``next``.
        return [
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows a page, 1 to {self.max_page_size} (default "
                f"{self.page_size}). Further pages: follow `next`.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]


def _encode(moment, pk, until) -> str:
    payload = json.dumps(
        {"m": moment.isoformat(), "i": pk, "u": until.isoformat()}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")
