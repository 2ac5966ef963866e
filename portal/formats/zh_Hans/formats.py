"""One way to write dates in each language, everywhere: the admin, the filer's pages, PDFs and
emails write ISO dates (2026-12-02, 2026-12-02 09:30), as deadlines have always been written here.
Django's own Chinese format ("2026年12月2日 09:30") stood beside them in the same table."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"

# Numbers grouped in threes with a comma, as the national standard's figures and the offices'
# forms write them (12,500), and as in English; Django's Chinese default groups nothing.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
