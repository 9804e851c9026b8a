"""The library's own labels in six languages, and numbers and dates the Babel way.

Labels are gettext messages in `reports/locale/<lang>/LC_MESSAGES/reports.po`. The catalogs are
read at run time with Babel's `read_po` and compiled in memory, so nobody needs a compile step;
each language is loaded once per process. English is the source language and needs no catalog.

After changing labels in the code (`loc._("...")`, `loc.ngettext(...)`, `N_("...")`):

    pybabel extract -o /tmp/reports.pot reports
    pybabel update -i /tmp/reports.pot -d reports/locale -D reports
"""

from __future__ import annotations

import copy
import gettext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, parse_pattern

from audit_forms.scoring import NO_PERCENT
from reports.data import Percent, Period, PeriodKind

#: Languages with a catalog of the library's labels (English is the source language).
LANGUAGES = ("en", "cs", "hu", "lt", "nb", "pl")
DOMAIN = "reports"
LOCALE_DIR = Path(__file__).parent / "locale"

_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
_HUNDRED = Decimal(100)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Marks a label for extraction where it is defined; loc._() translates it when used."""
    return message


def round_display(value: Decimal) -> Decimal:
    """One decimal place, half-up: the rounding of audit_forms.display_percent."""
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def language_of(locale: str) -> str:
    """The supported language for a locale code ("nb-NO" -> "nb", "no" -> "nb", "de" -> "en")."""
    try:
        language = Locale.parse(locale.replace("-", "_")).language
    except (UnknownLocaleError, ValueError):
        return "en"
    language = "nb" if language == "no" else language
    return language if language in LANGUAGES else "en"


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _one_decimal(pattern: NumberPattern) -> NumberPattern:
    fixed = copy.copy(pattern)
    fixed.frac_prec = (1, 1)
    return fixed


@dataclass(frozen=True)
class _Patterns:
    percent: NumberPattern  # the locale's own percent pattern, one decimal place
    decimal: NumberPattern  # one decimal place
    points: NumberPattern  # up to two decimal places
    integer: NumberPattern
    plus: str
    minus: str


@cache
def _patterns(language: str) -> _Patterns:
    # Parsing a pattern costs more than applying it: do it once per language.
    locale = Locale.parse(language)
    symbols = locale.number_symbols["latn"]
    return _Patterns(
        percent=_one_decimal(locale.percent_formats[None]),
        decimal=parse_pattern("#,##0.0"),
        points=parse_pattern("#,##0.##"),
        integer=parse_pattern("#,##0"),
        plus=symbols["plusSign"],
        minus=symbols["minusSign"],
    )


class ReportLocale:
    """Labels, numbers and dates in one language; create with `ReportLocale.for_locale`."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.babel = Locale.parse(language)
        self._catalog = _translations(language)
        self._patterns = _patterns(language)

    @classmethod
    def for_locale(cls, locale: str) -> ReportLocale:
        return _report_locale(language_of(locale))

    # Labels ---------------------------------------------------------------------------------

    def _(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._catalog.ngettext(singular, plural, count)

    # Numbers --------------------------------------------------------------------------------

    def percent(self, value: Percent) -> str:
        """ "87.5%" in English, "87,5 %" in Czech; an en dash for None."""
        if value is None:
            return NO_PERCENT
        return self._patterns.percent.apply(round_display(value) / _HUNDRED, self.babel)

    def percent_axis(self, value: float) -> str:
        """A whole percent for a chart axis ("80 %")."""
        pattern = self.babel.percent_formats[None]
        return pattern.apply(Decimal(round(value)) / _HUNDRED, self.babel)

    def change(self, current: Percent, previous: Percent) -> str:
        """current - previous in percentage points, signed: "+2.5 pp", "−1,0 p.p."."""
        if current is None or previous is None:
            return NO_PERCENT
        delta = round_display(current - previous)
        sign = self._patterns.plus if delta > 0 else self._patterns.minus if delta < 0 else ""
        number = self._patterns.decimal.apply(abs(delta), self.babel)
        return self._("{value} pp").format(value=sign + number)

    def pp(self, value: Decimal) -> str:
        """An unsigned difference in percentage points: "15.0 pp"."""
        number = self._patterns.decimal.apply(round_display(abs(value)), self.babel)
        return self._("{value} pp").format(value=number)

    def points(self, value: Decimal) -> str:
        """Points as people write them: "2", "1.5", "0.67"."""
        rounded = value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
        return self._patterns.points.apply(rounded, self.babel)

    def integer(self, value: int) -> str:
        return self._patterns.integer.apply(value, self.babel)

    def decimal(self, value: Decimal) -> str:
        """A measured number (an answer): as many decimals as it has, up to two."""
        return self.points(value)

    # Dates ----------------------------------------------------------------------------------

    def date(self, value: date) -> str:
        return format_date(value, "medium", locale=self.babel)

    def datetime(self, value: datetime) -> str:
        """Date and time of day, without seconds: "Oct 3, 2026, 2:05 PM", "3. 10. 2026 14:05"."""
        pattern = self.babel.datetime_formats["medium"]
        day = format_date(value, "medium", locale=self.babel)
        return pattern.format(format_time(value, "short", locale=self.babel), day)

    def period(self, period: Period) -> str:
        """ "October 2026", "IV kwartał 2026", "2026"."""
        skeleton = {PeriodKind.MONTH: "yMMMM", PeriodKind.QUARTER: "yQQQQ"}.get(period.kind, "y")
        return format_skeleton(skeleton, period.start, locale=self.babel)

    def period_axis(self, period: Period, with_year: bool) -> str:
        """A short label under a chart's category axis, the year on a second line."""
        year = str(period.start.year)
        if period.kind is PeriodKind.YEAR:
            return year
        short = format_date(
            period.start, "LLL" if period.kind is PeriodKind.MONTH else "QQQ", locale=self.babel
        )
        return f"{short}\n{year}" if with_year else short

    def duration(self, seconds: int) -> str:
        """A stopwatch reading: "2 min 15 s"."""
        minutes, rest = divmod(seconds, 60)
        if minutes == 0:
            return self._("{seconds} s").format(seconds=self.integer(rest))
        return self._("{minutes} min {seconds} s").format(
            minutes=self.integer(minutes), seconds=self.integer(rest)
        )


@cache
def _report_locale(language: str) -> ReportLocale:
    return ReportLocale(language)
