"""Paginating a list that usually fits on one page."""

from django.core.paginator import Paginator


class OnePassPaginator(Paginator):
    """Reads the first page before counting: a list that fits on it (most organizations' duties and
    filings) is counted from the rows themselves, one query instead of a COUNT and then the rows.
    A longer list is counted as Django does, and its first page is still read only once."""

    def get_page(self, number):
        # get_page counts (validate_number) before page() is called: no page given is the first.
        if number in (None, "") or _is_first(number):
            return self.page(1)
        return super().get_page(number)

    def page(self, number):
        if not _is_first(number):
            return super().page(number)
        room = self.per_page + self.orphans
        rows = list(self.object_list[: room + 1])
        if len(rows) <= room:
            if not rows and not self.allow_empty_first_page:
                return super().page(number)
            self.count = len(rows)  # cached_property: the rows are the whole list
            return self._get_page(rows, 1, self)
        return self._get_page(rows[: self.per_page], 1, self)


def _is_first(number) -> bool:
    return str(number).strip() == "1"
