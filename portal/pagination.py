"""Paginating a list that usually fits on one page."""

from django.core.paginator import Paginator


class OnePassPaginator(Paginator):
    """Reads the first page before counting: a list that fits on it (most organizations' duties and
    filings) is counted from the rows themselves, one query instead of a COUNT and then the rows.
    A longer list is counted as Django does, and its first page is still read only once."""

    def get_page(self, number):
        if number in (None, "") or str(number).strip() == "1":
            return self.page(1)
        return super().get_page(number)

    def page(self, number):
        if str(number).strip() != "1":
            return super().page(number)
        room = self.per_page + self.orphans
        rows = list(self.object_list[: room + 1])
        if len(rows) <= room:
            if not rows and not self.allow_empty_first_page:
                return super().page(number)
            self.count = len(rows)  # cached_property: the rows are the whole list
            return self._get_page(rows, 1, self)
        return self._get_page(rows[: self.per_page], 1, self)
