"""The library's own labels in six languages, and numbers and dates in the reader's locale."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

import reports
from audit_forms import display_percent
from reports import LANGUAGES, Period, samples
from reports.i18n import ReportLocale, catalog_path, language_of

from .pdfs import read_pdf

TRANSLATED = [language for language in LANGUAGES if language != "en"]

#: Labels that are rightly the same as in English (units and loanwords), per language.
SAME_AS_ENGLISH = {
    "{seconds} s": {"cs", "lt", "nb", "pl"},
    "{minutes} min {seconds} s": {"cs", "nb", "pl"},
    "{value} pp": {"nb"},
    "Status": {"nb", "pl"},
}


def _source_messages() -> set[str | tuple[str, str]]:
    folder = Path(reports.__file__).parent
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, method_map=[("**.py", "python")]
        )
    }


def _catalog(language: str):
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{\w+\}", text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_label_in_the_code_is_translated_in_every_language(language) -> None:
    catalog = _catalog(language)
    entries = {message.id: message for message in catalog if message.id}
    source = _source_messages()
    assert source - set(entries) == set(), "labels missing from the catalog"
    assert set(entries) - source == set(), "labels no longer in the code"
    for key, message in entries.items():
        assert not message.fuzzy, key
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == (catalog.num_plurals if message.pluralizable else 1), key
        english = key[0] if isinstance(key, tuple) else key
        for string in strings:
            assert string.strip(), key
            assert _placeholders(string) == _placeholders(english), (key, string)
            if language not in SAME_AS_ENGLISH.get(english, ()):
                assert string != english, f"{language}: {english!r} is not translated"


def test_labels_used_while_rendering_are_all_in_the_catalogs(monkeypatch) -> None:
    """Catches a label the extractor cannot see (inside an f-string, say)."""
    used: set[str] = set()
    gettext, ngettext = ReportLocale._, ReportLocale.ngettext

    def recording_gettext(self, message):
        used.add(message)
        return gettext(self, message)

    def recording_ngettext(self, singular, plural, count):
        used.add((singular, plural))
        return ngettext(self, singular, plural, count)

    monkeypatch.setattr(ReportLocale, "_", recording_gettext)
    monkeypatch.setattr(ReportLocale, "ngettext", recording_ngettext)
    for pdf in (
        reports.render_branch_scorecard(samples.sample_scorecard("pl")),
        reports.render_branch_scorecard(samples.sample_scorecard("pl", visits=0)),
        reports.render_visit_report(
            samples.sample_visit_report("pl", auditor_name="A", critical=True)
        ),
        reports.render_comparison_report(samples.sample_comparison("pl", branches=4)),
    ):
        read_pdf(pdf)
    assert used - _source_messages() == set()
    assert len(used) > 60


@pytest.mark.parametrize(
    ("language", "printed"),
    [
        ("en", "87.5%"),
        ("cs", "87,5\xa0%"),
        ("hu", "87,5%"),
        ("lt", "87,5\xa0%"),
        ("nb", "87,5\xa0%"),
        ("pl", "87,5%"),
    ],
)
def test_a_percent_has_one_decimal_in_the_locales_own_form(language, printed) -> None:
    assert ReportLocale.for_locale(language).percent(Decimal("87.45")) == printed


def test_percents_round_half_up_not_to_even() -> None:
    loc = ReportLocale.for_locale("en")
    assert loc.percent(Decimal("87.25")) == "87.3%"
    assert loc.percent(Decimal("0.05")) == "0.1%"
    assert loc.percent(None) == "–"


@given(st.decimals(min_value=0, max_value=100, places=4))
def test_a_percent_reads_as_audit_forms_displays_it(value) -> None:
    assert ReportLocale.for_locale("en").percent(value) == display_percent(value) + "%"


def test_a_change_is_signed_in_percentage_points_with_the_locales_minus() -> None:
    assert ReportLocale.for_locale("en").change(Decimal("90"), Decimal("87.5")) == "+2.5 pp"
    assert ReportLocale.for_locale("nb").change(Decimal("80"), Decimal("81")) == "−1,0 pp"
    assert ReportLocale.for_locale("pl").change(Decimal("80"), Decimal("80")) == "0,0 p.p."
    assert ReportLocale.for_locale("cs").change(None, Decimal("80")) == "–"


def test_dates_periods_and_durations_are_in_the_locales_words() -> None:
    pl, cs, hu = (ReportLocale.for_locale(code) for code in ("pl", "cs", "hu"))
    assert pl.date(date(2026, 10, 3)) == "3 paź 2026"
    assert pl.period(Period.parse("2026-10")) == "październik 2026"
    assert cs.period(Period.parse("2026-Q4")) == "4. čtvrtletí 2026"
    assert hu.period(Period.parse("2026")) == "2026."
    assert hu.duration(347) == "5 perc 47 mp"
    assert ReportLocale.for_locale("en").datetime(datetime(2026, 10, 13, 14, 5)) == (
        "Oct 13, 2026, 2:05\u202fPM"
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [("pl", "pl"), ("pl_PL", "pl"), ("nb-NO", "nb"), ("no", "nb"), ("de", "en"), ("x!", "en")],
)
def test_a_locale_code_maps_to_a_supported_language(locale, language) -> None:
    assert language_of(locale) == language
