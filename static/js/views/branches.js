// Managers' pages: my branches, and per branch the latest score, a trend chart, the approved
// visits with their findings (never the auditor: the API leaves that out for branch staff) and
// the scorecard PDF for any period.

import { ApiError, get, getAll } from "../api.js";
import { lineChart } from "../charts.js";
import { clear, h } from "../dom.js";
import { loadForm, questionIndex, sectionTitles } from "../data.js";
import { LANGUAGES, currentLanguage, formatDate, formatNumber, t } from "../i18n.js";
import { downloadButton, errorText, field, lastMonth, monthsBack, notice, pageHeader, periodPicker, scoreBadge, section, thisMonth } from "../ui.js";
import { normaliseTrend } from "./insights.js";

export async function renderBranches(page, { user }) {
  page.append(pageHeader(t("branches.title"), user.role === "branch_manager" || user.role === "regional_manager" ? t("branches.intro") : null));
  const branches = await getAll("/branches", { active: true });
  if (!branches.length) {
    page.append(notice(t("branches.none"), "info"));
    return;
  }
  const search = h("input", { type: "search", id: "branch-filter", autocomplete: "off" });
  const list = h("ul.cards", { id: "branch-cards" });
  const withScores = branches.length <= 12;
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    clear(list);
    for (const branch of branches.filter((b) => !q || `${b.name} ${b.code} ${b.city}`.toLowerCase().includes(q)).slice(0, 60)) {
      const score = h("div.card-score", {}, withScores ? h("span.muted", {}, "…") : null);
      list.append(h("li.branch-card", {},
        h("a", { href: `#/branch/${branch.id}` }, h("strong", {}, branch.name)),
        h("p.muted.small", {}, `${branch.code} · ${branch.address || ""} ${branch.city || ""}`),
        score));
      if (withScores) latestScore(branch.id, score);
    }
  };
  if (branches.length > 6) page.append(h("div.filters", {}, field(t("branches.filter"), search)));
  search.addEventListener("input", draw);
  draw();
  page.append(list);
}

async function latestScore(branchId, target) {
  try {
    const [visit] = await get("/visits", { branch_id: branchId, status: "approved", page_size: 1 });
    clear(target).append(visit
      ? h("span", {}, h("span.muted.small", {}, `${t("branches.latest")} (${formatDate(visit.visit_date)}): `), scoreBadge(visit.score))
      : h("span.muted.small", {}, t("branches.no_visits")));
  } catch (error) {
    clear(target).append(h("span.muted.small", {}, errorText(error)));
  }
}

export async function renderBranch(page, { params }) {
  const id = Number(params[0]);
  const branch = await get(`/branches/${id}`);
  page.append(pageHeader(branch.name, `${branch.code} · ${[branch.address, branch.city].filter(Boolean).join(", ")}`));
  const visits = await getAll("/visits", { branch_id: id, status: "approved" }, 1000);

  const latest = visits[0];
  const summary = h("div.summary", {},
    h("div.stat", {}, h("span.stat-label", {}, t("branches.latest")), latest ? scoreBadge(latest.score) : h("span", {}, "–"),
      latest ? h("span.muted.small", {}, formatDate(latest.visit_date)) : null),
    h("div.stat", {}, h("span.stat-label", {}, t("branches.target")), h("span.score", {}, `${formatNumber(branch.target_score)} %`)),
    h("div.stat", {}, h("span.stat-label", {}, t("branches.visit_count")), h("span.score", {}, String(visits.length))));
  page.append(h("section.card", {}, summary));

  page.append(scorecardCard(branch));
  const trend = h("section.card", { id: "trend" }, h("h2", {}, t("trends.title")), h("p.loading", {}, t("app.loading")));
  page.append(trend);
  drawTrend(trend, branch, visits);
  page.append(await visitsCard(visits));
}

function scorecardCard(branch) {
  const picker = periodPicker(lastMonth());
  const lang = h("select", {}, Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code }, name)));
  lang.value = currentLanguage();
  const message = h("div");
  const button = downloadButton(
    t("scorecard.download"),
    `/branches/${branch.id}/scorecard.pdf`,
    () => ({ period: picker.value(), lang: lang.value }),
    `scorecard-${branch.code}.pdf`,
    { onMissing: () => clear(message).append(notice(t("scorecard.not_yet"), "info")) },
  );
  button.id = "download-scorecard";
  return section(t("scorecard.title"),
    h("p.muted", {}, t("scorecard.intro")),
    h("div.filters", {}, picker.element, field(t("app.language"), lang)),
    button, message);
}

async function drawTrend(card, branch, visits) {
  let series;
  let note = null;
  try {
    const data = await get("/trends", { branch: branch.id, from: monthsBack(12), to: thisMonth(), granularity: "month", lang: currentLanguage() });
    series = normaliseTrend(data, branch.name);
  } catch (error) {
    if (!(error instanceof ApiError) || !error.missingEndpoint) {
      clear(card).append(h("h2", {}, t("trends.title")), notice(errorText(error), "error"));
      return;
    }
    // The trends endpoint has not landed on this server: the same monthly means from the
    // approved visits we already have.
    series = [{ name: branch.name, points: monthlyMeans(visits) }];
    note = t("trends.from_visits");
  }
  clear(card).append(h("h2", {}, t("trends.title")));
  if (!series.some((s) => s.points.length)) {
    card.append(h("p.muted", {}, t("trends.empty")));
    return;
  }
  card.append(lineChart({ series, label: t("trends.chart_label", { name: branch.name }), target: branch.target_score }));
  if (note) card.append(h("p.hint", {}, note));
}

export function monthlyMeans(visits) {
  const months = new Map();
  for (const visit of visits) {
    const value = visit.score && visit.score.percent !== null ? Number(visit.score.percent) : null;
    if (value === null || Number.isNaN(value)) continue;
    const key = String(visit.visit_date || visit.started_at).slice(0, 7);
    const entry = months.get(key) || { sum: 0, n: 0 };
    entry.sum += value;
    entry.n += 1;
    months.set(key, entry);
  }
  return [...months.entries()].sort().map(([x, { sum, n }]) => ({ x, y: sum / n, n }));
}

async function visitsCard(visits) {
  const card = h("section.card", { id: "visits" }, h("h2", {}, t("branches.visits")));
  if (!visits.length) {
    card.append(h("p.muted", {}, t("branches.no_visits")));
    return card;
  }
  const forms = new Map();
  const formFor = async (visit) => {
    const key = `${visit.form.key}:${visit.form.version}`;
    if (!forms.has(key)) forms.set(key, loadForm(visit.form.key, visit.form.version, currentLanguage()).catch(() => null));
    return forms.get(key);
  };
  const list = h("ul.visits");
  for (const visit of visits.slice(0, 50)) {
    const form = await formFor(visit);
    const index = form ? questionIndex(form) : {};
    const titles = form ? sectionTitles(form) : {};
    const findings = (visit.answers || []).filter((a) => a.status === "failed" || a.status === "partial");
    const details = h("details.visit-details", {},
      h("summary", {},
        h("span.visit-date", {}, formatDate(visit.visit_date)),
        h("span.visit-form", {}, form ? form.title : visit.form.key),
        scoreBadge(visit.score),
        h("span.muted.small", {}, t("branches.findings", { count: findings.length }))));
    const sectionList = h("ul.section-scores");
    for (const s of visit.sections || []) {
      sectionList.append(h("li", {}, h("span", {}, titles[s.section_key] || s.section_key), scoreBadge(s.percent)));
    }
    details.append(h("h3", {}, t("branches.sections")), sectionList);
    if (findings.length) {
      const list2 = h("ul.findings");
      for (const answer of findings) {
        const entry = index[answer.question_key];
        list2.append(h("li", {},
          h("span", {}, entry ? entry.question.label : answer.question_key),
          entry && entry.question.critical ? h("span.badge.critical", {}, t("visit.critical")) : null,
          h("span.muted.small", {}, ` ${formatNumber(answer.earned)} / ${formatNumber(answer.possible)}`),
          answer.comment ? h("p.comment", {}, `“${answer.comment}”`) : null));
      }
      details.append(h("h3", {}, t("branches.findings_title")), list2);
    }
    details.append(downloadButton(t("branches.visit_pdf"), `/visits/${visit.id}/report.pdf`, { lang: currentLanguage() }, `visit-${visit.id}.pdf`));
    list.append(h("li", { dataset: { visit: visit.id } }, details));
  }
  card.append(list);
  return card;
}


