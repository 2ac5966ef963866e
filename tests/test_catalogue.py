"""The Simplified Chinese catalogue is complete and its translations keep the msgids' placeholders.

Read with polib straight from the .po file: no database, no compiled .mo needed. Each test lists
every offender, so one run shows all that is left to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"

# A translation may equal its msgid only for these: names, formats and codes that stay as they are.
SAME_IN_CHINESE = frozenset({"SHA-256", "PDF", "CSV", "USCC", "English", "简体中文"})

# Python %-formatting: "%(name)s", "%(size).1f", and bare "%s" / "%d"; "%%" is a literal percent.
NAMED_PLACEHOLDER = re.compile(r"%\((?P<name>[^)]*)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")
BARE_PLACEHOLDER = re.compile(r"%[#0 +-]*\d*(?:\.\d+)?[sd]")
HTML_TAG = re.compile(r"<[^>]*>")


@pytest.fixture(scope="module")
def entries() -> list[polib.POEntry]:
    catalogue = polib.pofile(str(CATALOGUE))
    return [entry for entry in catalogue if not entry.obsolete]


def describe(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences)
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} ({where or 'no reference'})"


def translations(entry: polib.POEntry) -> list[str]:
    """Every msgstr of the entry: the one form, or each plural form in order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def placeholders(text: str) -> tuple[frozenset[str], int]:
    """The named placeholders, as written, and the number of bare ``%s`` / ``%d``."""
    text = text.replace("%%", "")
    named = frozenset(match.group(0) for match in NAMED_PLACEHOLDER.finditer(text))
    bare = len(BARE_PLACEHOLDER.findall(NAMED_PLACEHOLDER.sub("", text)))
    return named, bare


def report(problem: str, offenders: list[str]) -> str:
    return f"{len(offenders)} {problem}:\n  " + "\n  ".join(offenders)


def test_the_catalogue_has_one_plural_form():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"


def test_every_entry_is_translated(entries):
    offenders = [
        describe(entry)
        for entry in entries
        if not all(text.strip() for text in translations(entry))
        or (entry.msgid_plural and sorted(entry.msgstr_plural) != [0])
    ]
    assert not offenders, report("entries are untranslated", offenders)


def test_no_entry_is_fuzzy(entries):
    offenders = [describe(entry) for entry in entries if "fuzzy" in entry.flags]
    assert not offenders, report("entries are fuzzy", offenders)


def test_translations_keep_the_placeholders(entries):
    offenders = []
    for entry in entries:
        # With one plural form, that form stands for every count: it follows the plural msgid.
        source = entry.msgid_plural or entry.msgid
        expected = placeholders(source)
        for text in translations(entry):
            if text and placeholders(text) != expected:
                offenders.append(f"{describe(entry)} -> {text!r}")
    assert not offenders, report("translations change the placeholders", offenders)


def test_no_translation_is_a_copy_of_the_english(entries):
    offenders = []
    for entry in entries:
        if entry.msgid in SAME_IN_CHINESE:
            continue
        words = HTML_TAG.sub("", NAMED_PLACEHOLDER.sub("", entry.msgid))
        if not re.search(r"[A-Za-z]", words):
            continue
        sources = {entry.msgid, entry.msgid_plural} - {""}
        if any(
            text.strip() in {source.strip() for source in sources} for text in translations(entry)
        ):
            offenders.append(describe(entry))
    assert not offenders, report("translations are copies of the English", offenders)


def test_the_placeholder_check_sees_what_it_should():
    """The check itself: named placeholders with their format, bare ones counted, %% ignored."""
    assert placeholders("%(size).1f MB; %(n)d left, 100%%") == (
        frozenset({"%(size).1f", "%(n)d"}),
        0,
    )
    assert placeholders("%s and %d, not %(name)s") == (frozenset({"%(name)s"}), 2)
    assert placeholders("剩余 %(days)s 个工作日") != placeholders("剩余 %(day)s 个工作日")


def test_an_installed_apps_catalogue_does_not_reword_djangos_form_errors():
    """Django REST Framework brings its own Chinese for Django's form errors; the portal keeps
    Django's wording (portal/admin_strings.py marks them for the project's catalogue)."""
    import gettext as gettext_module
    from pathlib import Path

    import django
    from django.utils import translation

    from portal.admin_strings import DJANGO_FORM_STRINGS

    core = Path(django.__file__).parent / "conf/locale/zh_Hans/LC_MESSAGES/django.mo"
    with core.open("rb") as handle:
        djangos = gettext_module.GNUTranslations(handle)
    with translation.override("zh-hans"):
        for message in DJANGO_FORM_STRINGS:
            assert translation.gettext(message) == djangos.gettext(message), message


def test_a_person_is_addressed_with_nin_also_in_djangos_own_texts(entries):
    """The portal says 您 to the person reading it, Django's password and admin texts included
    (Django's catalogue says 你). "你单位" stays: it is the form of official notices."""
    from django.contrib.auth.password_validation import password_validators_help_texts
    from django.utils import translation

    with translation.override("zh-hans"):
        texts = password_validators_help_texts()
        assert texts
        assert all("你" not in str(text) for text in texts), texts
        assert any("您" in str(text) for text in texts)
    said = [text for entry in entries for text in translations(entry)]
    assert not [text for text in said if "你" in text.replace("你单位", "")]
