"""Realistic sample reports: for previews, the benchmark and tests.

The texts of sections and questions come from the built-in "branch visit" form of audit_forms, in
the sample's language; the photos are small JPEGs drawn with Pillow. Everything is deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from io import BytesIO

from PIL import Image, ImageDraw

import audit_forms
from reports.data import (
    AnswerRow,
    AnswerType,
    BranchInfo,
    BranchScorecard,
    Comment,
    ComparisonReport,
    Finding,
    Headline,
    LeagueRow,
    Measure,
    Percent,
    Period,
    Photo,
    QuestionRow,
    Rank,
    SectionResult,
    TrendPoint,
    VisitReport,
    VisitRow,
    VisitSectionScore,
    VisitStatus,
)

#: A sample branch per language, with the names the platform must print exactly.
BRANCHES = {
    "pl": BranchInfo(
        "PL-LDZ-001", "Łódź Piotrkowska", "ul. Piotrkowska 104, 90-001 Łódź", "Łódzkie / Łódź"
    ),
    "cs": BranchInfo(
        "CZ-BRN-002",
        "Brno Náměstí Svobody",
        "náměstí Svobody 17, 602 00 Brno",
        "Jihomoravský kraj / Brno",
    ),
    "hu": BranchInfo(
        "HU-GYR-001", "Győr Baross út", "Baross Gábor út 12, 9021 Győr", "Győr-Moson-Sopron"
    ),
    "lt": BranchInfo(
        "LT-SIA-001", "Šiauliai Tilžės g.", "Tilžės g. 109, LT-76349 Šiauliai", "Šiaulių apskritis"
    ),
    "nb": BranchInfo("NO-TOS-001", "Tromsø Storgata", "Storgata 42, 9008 Tromsø", "Troms / Tromsø"),
    "en": BranchInfo(
        "PL-KRK-003",
        "Kraków Floriańska",
        "ul. Floriańska 22, 31-021 Kraków",
        "Małopolskie / Kraków",
    ),
}

#: Three auditor comments per language: a long wait, an abrupt ending, untidy premises.
COMMENTS = {
    "pl": (
        "Przy jedynym otwartym stanowisku czekałem prawie sześć minut; drugi pracownik "
        "rozmawiał przez prywatny telefon.",
        "Pracownik nie podsumował rozmowy i od razu poprosił kolejnego klienta.",
        "Na ladzie leżały stare ulotki, a cennik przy wejściu był nieczytelny.",
    ),
    "cs": (
        "U jediné otevřené přepážky jsem čekal téměř šest minut, druhá kolegyně si vyřizovala "
        "soukromý telefonát.",
        "Pracovník rozhovor neshrnul a hned zavolal dalšího zákazníka.",
        "Na pultu ležely staré letáky a ceník u vchodu byl špatně čitelný.",
    ),
    "hu": (
        "Közel hat percet vártam az egyetlen nyitott pultnál, a másik munkatárs magánügyben "
        "telefonált.",
        "A munkatárs nem foglalta össze a beszélgetést, és rögtön szólította a következő ügyfelet.",
        "A pulton régi szórólapok hevertek, a bejáratnál lévő árlista nehezen volt olvasható.",
    ),
    "lt": (
        "Prie vienintelio atidaryto langelio laukiau beveik šešias minutes, kita darbuotoja "
        "kalbėjo asmeniniu telefonu.",
        "Darbuotojas neapibendrino pokalbio ir iškart pakvietė kitą klientą.",
        "Ant prekystalio gulėjo seni lankstinukai, o kainoraštis prie įėjimo buvo sunkiai "
        "įskaitomas.",
    ),
    "nb": (
        "Jeg ventet nesten seks minutter ved den eneste åpne skranken, mens en annen ansatt "
        "tok en privat telefon.",
        "Den ansatte oppsummerte ikke samtalen og ropte straks opp neste kunde.",
        "Det lå gamle brosjyrer på disken, og prislisten ved inngangen var vanskelig å lese.",
    ),
    "en": (
        "I waited almost six minutes at the only open counter while another employee took a "
        "private phone call.",
        "The employee did not sum up the conversation and called the next customer straight away.",
        "Old leaflets lay on the counter and the price list at the entrance was hard to read.",
    ),
}

#: Which question each sample comment belongs to (the keys of the branch-visit form).
_COMMENTED = ("staff_attentive_while_waiting", "conversation_ending", "premises_clean_tidy")
_CRITICAL_KEY = "courteous_throughout"


@dataclass(frozen=True)
class _Question:
    key: str
    section: str
    text: str
    type: str
    points: Decimal | None
    critical: bool
    scale_max: int | None
    options: tuple[str, ...]  # choice: option labels, best first
    scale_labels: dict[int, str]  # scale: labels of some points


@cache
def _form(language: str) -> tuple[str, tuple[tuple[str, tuple[_Question, ...]], ...]]:
    """The branch-visit form's title and its sections' questions in one language."""
    form = next(f for f in audit_forms.load_builtin_forms() if f.key == "branch-visit")
    sections = []
    for section in form.sections:
        title = form.text(section.title, language)
        questions = tuple(
            _Question(
                key=question.key,
                section=title,
                text=form.text(question.label, language),
                type=question.type,
                points=question.points,
                critical=question.critical,
                scale_max=getattr(question.settings, "max", None),
                options=tuple(
                    form.text(option.label, language)
                    for option in getattr(question.settings, "options", ())
                ),
                scale_labels={
                    point: form.text(label, language)
                    for point, label in (getattr(question.settings, "labels", None) or {}).items()
                },
            )
            for question in section.questions
        )
        sections.append((title, questions))
    return form.text(form.title, language), tuple(sections)


@cache
def sample_photos(count: int = 6) -> tuple[Photo, ...]:
    """Small JPEG thumbnails (320 x 240) of simple drawn scenes, like a phone's evidence."""
    photos = []
    for index in range(count):
        image = Image.new("RGB", (320, 240), (200 - index * 15, 210 - index * 8, 220))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 170, 320, 240), fill=(120, 100, 80))  # floor
        draw.rectangle((30 + index * 10, 90, 200, 175), fill=(90, 70, 60))  # counter
        draw.rectangle((220, 40, 300, 120), fill=(240, 240, 230), outline=(40, 40, 40), width=3)
        for line in range(4):  # a notice on the wall
            draw.line((230, 55 + line * 15, 290, 55 + line * 15), fill=(60, 60, 60), width=2)
        draw.ellipse((60 + index * 20, 30, 110 + index * 20, 80), fill=(230, 190, 160))
        buffer = BytesIO()
        image.save(buffer, "JPEG", quality=80)
        photos.append(Photo(buffer.getvalue()))
    return tuple(photos)


def _percent(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 4)))


def _language(locale: str) -> str:
    return locale if locale in BRANCHES else "en"


def sample_scorecard(
    locale: str = "pl",
    *,
    period: str = "2026-10",
    visits: int = 5,
    critical: bool = True,
    findings: int = 5,
) -> BranchScorecard:
    """A branch scorecard for a month with charts, questions, findings and six photos.

    visits=0 gives the empty-period scorecard; `critical` puts one critical failure in.
    """
    language = _language(locale)
    critical = critical and visits > 2  # the third visit is the one that fails
    rng = random.Random(f"scorecard-{language}-{period}-{visits}")
    form_title, sections = _form(language)
    month = Period.parse(period)
    branch = BRANCHES[language]
    visit_rows = _visit_rows(rng, month, visits, critical, sections)
    scores = [row.score for row in visit_rows if row.score is not None]
    score = sum(scores, Decimal(0)) / len(scores) if scores else None
    headline = Headline(
        score=score,
        visits=visits,
        target=Decimal("85"),
        previous_score=_percent(rng, 70, 90),
        area_average=_percent(rng, 72, 86),
        network_average=_percent(rng, 74, 84),
        area_rank=Rank(3, 12) if visits else None,
        network_rank=Rank(41, 386) if visits else None,
    )
    if not visits:
        return BranchScorecard(
            language,
            branch,
            month,
            form_title,
            date(2026, 11, 2),
            headline,
            trend=_trend(rng, month, with_current=False),
        )
    question_rows = [
        QuestionRow(
            section=question.section,
            question=question.text,
            measure=Measure.PASS_RATE if question.type == "yes_no" else Measure.MEAN_SCORE,
            value=_percent(rng, 40, 100),
            previous=_percent(rng, 40, 100),
            answers=visits,
            critical=question.critical,
        )
        for _title, questions in sections
        for question in questions
        if question.points is not None
    ]
    finding_rows = _findings(sections, language, visit_rows, critical)
    return BranchScorecard(
        locale=language,
        branch=branch,
        period=month,
        form_title=form_title,
        generated_on=date(2026, 11, 2),
        headline=headline,
        sections=tuple(
            SectionResult(title, _percent(rng, 55, 100), _percent(rng, 60, 95))
            for title, _questions in sections
        ),
        trend=_trend(rng, month, with_current=True, current=score),
        questions=tuple(question_rows),
        findings=tuple(finding_rows[:findings]),
        visits=tuple(visit_rows),
    )


def _findings(sections, language: str, visits: list[VisitRow], critical: bool) -> list[Finding]:
    """The commented questions (and the critical one) as findings, most costly first."""
    photos = sample_photos()
    evidence = {0: photos[:2], 1: photos[2:3], 2: photos[3:6]}
    when = visits[-1].visited_on
    findings = []
    for _title, questions in sections:
        for question in questions:
            if question.key in _COMMENTED:
                index = _COMMENTED.index(question.key)
                findings.append(
                    Finding(
                        section=question.section,
                        question=question.text,
                        points_lost=question.points * 2,
                        visits_lost=2,
                        visits=len(visits),
                        comments=(Comment(COMMENTS[language][index], when),),
                        photos=evidence[index],
                    )
                )
            elif critical and question.key == _CRITICAL_KEY:
                findings.append(
                    Finding(
                        section=question.section,
                        question=question.text,
                        points_lost=question.points,
                        visits_lost=1,
                        visits=len(visits),
                        critical_failures=1,
                    )
                )
    return sorted(findings, key=lambda f: (-f.critical_failures, -f.points_lost))


def _visit_rows(
    rng: random.Random, month: Period, count: int, critical: bool, sections
) -> list[VisitRow]:
    critical_text = next(q.text for _t, qs in sections for q in qs if q.key == _CRITICAL_KEY)
    rows = []
    for index in range(count):
        failed = critical and index == 2
        rows.append(
            VisitRow(
                visited_on=month.start + timedelta(days=2 + index * 5),
                score=Decimal(0) if failed else _percent(rng, 72, 97),
                reference=f"V-{20260 + index:06d}",
                critical_failures=(critical_text,) if failed else (),
            )
        )
    return rows


def _trend(
    rng: random.Random, month: Period, *, with_current: bool, current: Percent = None
) -> tuple[TrendPoint, ...]:
    periods = [month]
    for _ in range(11):
        periods.insert(0, periods[0].previous())
    points = []
    for index, period in enumerate(periods):
        score: Percent = _percent(rng, 70, 92)
        if index == 4:
            score = None  # a month without approved visits leaves a gap
        if index == 11:
            score = current if with_current else None
        points.append(TrendPoint(period, score, _percent(rng, 76, 84)))
    return tuple(points)


def sample_visit_report(
    locale: str = "pl", *, auditor_name: str | None = None, critical: bool = False
) -> VisitReport:
    """One visit against the branch-visit form, every question answered, photos in place."""
    language = _language(locale)
    form_title, sections = _form(language)
    comments = COMMENTS[language]
    photos = sample_photos()
    answers = []
    section_scores = []
    for title, questions in sections:
        earned_sum, possible_sum = Decimal(0), Decimal(0)
        for question in questions:
            row = _answer(question, critical, comments, photos)
            answers.append(row)
            if row.possible is not None and row.earned is not None:
                earned_sum += row.earned
                possible_sum += row.possible
        score = earned_sum / possible_sum * 100 if possible_sum else None
        section_scores.append(VisitSectionScore(title, score, earned_sum, possible_sum))
    critical_failures = tuple(row.question for row in answers if row.critical and row.earned == 0)
    total = [s for s in section_scores if s.score is not None]
    score = (sum((s.score for s in total), Decimal(0)) / len(total)) if total else None
    return VisitReport(
        locale=language,
        branch=BRANCHES[language],
        form_title=form_title,
        form_version=1,
        reference="V-020262",
        visited_at=datetime(2026, 10, 13, 14, 5),
        status=VisitStatus.APPROVED,
        score=Decimal(0) if critical_failures else score,
        generated_on=date(2026, 11, 2),
        sections=tuple(section_scores),
        answers=tuple(answers),
        critical_failures=critical_failures,
        auditor_name=auditor_name,
    )


def _answer(
    question: _Question,
    critical: bool,
    comments: tuple[str, ...],
    photos: tuple[Photo, ...],
) -> AnswerRow:
    kind = AnswerType(question.type)
    points = question.points
    common = {
        "section": question.section,
        "question": question.text,
        "type": kind,
        "critical": question.critical,
        "possible": points,
    }
    if question.key in _COMMENTED:
        common["comment"] = comments[_COMMENTED.index(question.key)]
    if question.key == "premises_clean_tidy":
        common["photos"] = photos[3:5]
    if kind is AnswerType.YES_NO:
        failed = question.key in _COMMENTED or (critical and question.key == _CRITICAL_KEY)
        if question.key == "used_customer_name":
            return AnswerRow(**{**common, "possible": None}, value=None, na=True)
        return AnswerRow(**common, value=not failed, earned=Decimal(0) if failed else points)
    if kind is AnswerType.SCALE:
        top = question.scale_max or 5
        value = top if question.key == "answers_accurate" else top - 2
        return AnswerRow(
            **common,
            value=value,
            scale_max=top,
            value_label=question.scale_labels.get(value, ""),
            earned=(points or Decimal(0)) * Decimal(value) / Decimal(top),
        )
    if kind is AnswerType.DURATION:
        return AnswerRow(**common, value=347, earned=Decimal(0))
    if kind is AnswerType.CHOICE:
        return AnswerRow(**common, value=question.options[2], earned=(points or Decimal(0)) / 3)
    if kind is AnswerType.PHOTO:
        return AnswerRow(**common, value=None, photos=photos[:3])
    return AnswerRow(**common, value=comments[0])


def sample_comparison(
    locale: str = "en", *, branches: int = 40, scope: str | None = None, min_visits: int = 3
) -> ComparisonReport:
    """A league table over `branches` branches with per-section means."""
    language = _language(locale)
    rng = random.Random(f"comparison-{language}-{branches}")
    form_title, sections = _form(language)
    names = [b.name for b in BRANCHES.values()]
    rows = []
    for index in range(branches):
        visits = rng.choice((0, 1, 2, 4, 5, 6, 8))
        mean = _percent(rng, 55, 97) if visits else None
        spread = Decimal(str(round(12 / (visits or 1) ** 0.5, 4)))
        rows.append(
            LeagueRow(
                rank=None,
                branch_code=f"PL-{index + 1:03d}",
                branch_name=f"{names[index % len(names)]} {index // len(names) + 1}",
                area=list(BRANCHES.values())[index % len(BRANCHES)].area,
                visits=visits,
                mean=mean,
                ci_low=max(mean - spread, Decimal(0)) if mean is not None else None,
                ci_high=min(mean + spread, Decimal(100)) if mean is not None else None,
                previous=_percent(rng, 55, 97) if rng.random() > 0.1 else None,
                target=Decimal("85"),
                too_few_visits=visits < min_visits,
                section_means=tuple(_percent(rng, 40, 100) if visits else None for _ in sections),
            )
        )
    ranked = sorted(rows, key=lambda row: (row.mean is None, -(row.mean or 0)))
    rows = [
        LeagueRow(**{**row.__dict__, "rank": index + 1 if row.mean is not None else None})
        for index, row in enumerate(ranked)
    ]
    return ComparisonReport(
        locale=language,
        scope=scope,
        form_title=form_title,
        period=Period.parse("2026-10"),
        generated_on=date(2026, 11, 2),
        min_visits=min_visits,
        section_titles=tuple(title for title, _questions in sections),
        rows=tuple(rows),
    )
