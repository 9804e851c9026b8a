// HQ's analysis pages: trends (lines), the section heat map and the weakest questions (bars).
// The endpoints behind them may still be on their way: a 404 from the router shows a clear
// notice instead of a broken page, and trends fall back to the visits list for one branch.

import { ApiError, get, getAll } from "../api.js";
import { barChart, heatLegend, heatmap, lineChart } from "../charts.js";
import { clear, h } from "../dom.js";
import { loadForm, questionIndex, sectionTitles } from "../data.js";
import { currentLanguage, formatMonth, formatNumber, t } from "../i18n.js";
import { errorText, field, monthsBack, notice, pageHeader, thisMonth } from "../ui.js";
import { areas, filterBar, rememberFilters } from "./filters.js";
import { normaliseRow } from "./league.js";

function num(value) {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}

function failure(target, error) {
  clear(target).append(notice(errorText(error), error instanceof ApiError && error.missingEndpoint ? "info" : "error"));
}

// Trend answers -> [{name, points: [{x, y, n}]}]. With bySection, one line per section
// (the points' section cells are aligned with the response's sections).
export function normaliseTrend(data, name, { bySection = false } = {}) {
  const periodKey = (p) => (p.period && typeof p.period === "object" ? p.period.key : p.period ?? p.month ?? p.label ?? "");
  const point = (p) => ({ x: String(periodKey(p)), y: num(p.mean ?? p.score ?? p.value), n: num(p.visits ?? p.n ?? p.count) });
  const list = Array.isArray(data) ? data : data.points || data.rows || [];
  const subject = (data.subject && data.subject.name) || name;
  if (bySection && Array.isArray(data.sections) && data.sections.length) {
    return data.sections.map((section, i) => ({
      name: section.title || section.key,
      points: list.map((p) => {
        const cell = (p.sections || [])[i] || {};
        return { x: String(periodKey(p)), y: num(cell.mean), n: num(cell.count) };
      }),
    }));
  }
  return [{ name: subject, points: list.map(point).filter((p) => p.x) }];
}

export async function renderTrends(page, { query }) {
  page.append(pageHeader(t("trends.title"), t("trends.intro")));
  const [branchList, areaList] = await Promise.all([getAll("/branches", { active: true }), areas()]);
  const target = h("select", { id: "trend-target" },
    h("optgroup", { label: t("filters.area") }, areaList.map((a) => h("option", { value: `area:${a.id}` }, a.code || a.name))),
    h("optgroup", { label: t("trends.branch") }, branchList.map((b) => h("option", { value: `branch:${b.id}` }, `${b.name} (${b.code})`))));
  target.value = query.target || (areaList[0] ? `area:${areaList[0].id}` : `branch:${branchList[0] && branchList[0].id}`);
  const from = h("input", { type: "month", value: query.from || monthsBack(12) });
  const to = h("input", { type: "month", value: query.to || thisMonth() });
  const bySection = h("input", { type: "checkbox", id: "trend-sections", checked: query.sections === "1" });
  const result = h("section.card", { id: "trend-result" });
  const form = h("form.filters.card", {
    onsubmit: (event) => {
      event.preventDefault();
      rememberFilters("/trends", { target: target.value, from: from.value, to: to.value, sections: bySection.checked ? "1" : "" });
      load();
    },
  }, field(t("trends.of"), target), field(t("trends.from"), from), field(t("trends.to"), to),
  h("div.check", {}, bySection, h("label", { for: "trend-sections" }, t("trends.by_section"))),
  h("div.field.submit", {}, h("button.primary", { type: "submit" }, t("filters.apply"))));
  page.append(form, result);

  async function load() {
    clear(result).append(h("p.loading", {}, t("app.loading")));
    const [kind, id] = target.value.split(":");
    const label = target.selectedOptions[0] ? target.selectedOptions[0].textContent : "";
    const branch = branchList.find((b) => String(b.id) === id);
    try {
      const data = await get("/trends", { [kind]: id, from: from.value, to: to.value, granularity: "month", lang: currentLanguage() });
      draw(normaliseTrend(data, label, { bySection: bySection.checked }), kind === "branch" && branch ? branch.target_score : null, null);
    } catch (error) {
      if (error instanceof ApiError && error.missingEndpoint && kind === "branch") {
        const { monthlyMeans } = await import("./branches.js");
        const visits = await getAll("/visits", { branch_id: id, status: "approved" }, 1000);
        const points = monthlyMeans(visits).filter((p) => p.x >= from.value && p.x <= to.value);
        draw([{ name: label, points }], branch ? branch.target_score : null, t("trends.from_visits"));
        return;
      }
      failure(result, error);
    }
  }

  function draw(series, targetScore, note) {
    clear(result).append(h("h2", {}, target.selectedOptions[0] ? target.selectedOptions[0].textContent : t("trends.title")));
    if (!series.some((s) => s.points.length)) {
      result.append(h("p.muted", {}, t("trends.empty")));
      return;
    }
    result.append(lineChart({ series, label: t("trends.chart_label", { name: series.map((s) => s.name).join(", ") }), target: targetScore }));
    if (note) result.append(h("p.hint", {}, note));
    result.append(dataTable(series));
  }

  load();
}

function dataTable(series) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const table = h("table.data.compact", {},
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("trends.month")), series.map((s) => h("th.num", { scope: "col" }, s.name)))),
    h("tbody", {}, xs.map((x) => h("tr", {}, h("th", { scope: "row" }, formatMonth(x)), series.map((s) => {
      const p = s.points.find((q) => q.x === x);
      return h("td.num", {}, p ? `${formatNumber(p.y)}${p.n ? ` (${p.n})` : ""}` : "–");
    })))));
  return h("details", {}, h("summary", {}, t("charts.as_table")), h("div.table-scroll", {}, table));
}

// Heat map answers -> {columns: [{key, label}], rows: [{label, values}]}; the comparison's
// answer has the same sections and aligned section means, so it serves as a fallback.
function normaliseHeatmap(data) {
  const columns = (data.sections || []).map((c) => ({ key: c.key || c.section_key, label: c.title || c.label || c.key }));
  const rows = (data.rows || []).map((row) => {
    const r = normaliseRow(row, columns.map((c) => c.key));
    return { label: r.name || r.code, title: r.code ? `${r.name} (${r.code})` : r.name, values: r.sections, mean: r.mean, visits: r.visits };
  });
  if (!columns.length) {
    for (const key of new Set(rows.flatMap((r) => Object.keys(r.values)))) columns.push({ key, label: key });
  }
  // The visit score first, then each section.
  for (const row of rows) row.values.__overall = row.mean;
  columns.unshift({ key: "__overall", label: t("heatmap.overall") });
  return { columns, rows };
}

export async function renderHeatmap(page, { query }) {
  page.append(pageHeader(t("heatmap.title"), t("heatmap.intro")));
  const result = h("section.card", { id: "heatmap-result" });
  const bar = await filterBar(query, (values) => {
    rememberFilters("/heatmap", values);
    load(values);
  });
  page.append(bar.element, result);

  async function load(values) {
    clear(result).append(h("p.loading", {}, t("app.loading")));
    let data;
    let note = null;
    try {
      data = normaliseHeatmap(await get("/heatmap", { ...values, lang: currentLanguage() }));
    } catch (error) {
      if (!(error instanceof ApiError && error.missingEndpoint)) return failure(result, error);
      try {
        // No heat map endpoint yet: the league table's section means make the same picture.
        data = normaliseHeatmap(await get("/comparison", { ...values, lang: currentLanguage() }));
        note = t("heatmap.from_comparison");
      } catch (second) {
        return failure(result, second);
      }
    }
    if (values.form && data.columns.some((c) => c.label === c.key)) {
      const form = await loadForm(values.form, null, currentLanguage()).catch(() => null);
      const titles = form ? sectionTitles(form) : {};
      for (const c of data.columns) if (c.label === c.key && titles[c.key]) c.label = titles[c.key];
    }
    clear(result);
    if (!data.rows.length) {
      result.append(h("p.muted", {}, t("league.empty")));
      return;
    }
    result.append(heatmap({ columns: data.columns, rows: data.rows, label: t("heatmap.title") }), heatLegend(t("heatmap.low"), t("heatmap.high")));
    if (note) result.append(h("p.hint", {}, note));
  }

  load(bar.values());
}

// Weakest questions -> [{key, label, section, value, measure, detail}]; value is a percent
// (pass rate for yes/no questions, mean share of points for the others).
function normaliseWeakest(data, index) {
  const rows = Array.isArray(data) ? data : data.questions || data.rows || [];
  return rows.map((row) => {
    const key = row.key || row.question_key;
    const entry = index[key];
    const n = num(row.answers ?? row.n);
    const change = num(row.change);
    const details = [];
    if (n !== null) details.push(`n=${n}`);
    if (change !== null) details.push(`${change > 0 ? "+" : ""}${formatNumber(change)}`);
    return {
      key,
      label: row.label || (entry ? entry.question.label : key),
      section: (row.section && (row.section.title || row.section.key)) || (entry ? entry.section.title : ""),
      value: num(row.value),
      measure: row.measure || "",
      critical: Boolean(row.critical),
      change,
      detail: details.join(", ") || null,
    };
  });
}

export async function renderWeakest(page, { query }) {
  page.append(pageHeader(t("weakest.title"), t("weakest.intro")));
  const result = h("section.card", { id: "weakest-result" });
  const bar = await filterBar(query, (values) => {
    rememberFilters("/weakest", values);
    load(values);
  });
  page.append(bar.element, result);

  async function load(values) {
    clear(result).append(h("p.loading", {}, t("app.loading")));
    try {
      const [data, form] = await Promise.all([
        get("/weakest-questions", { ...values, lang: currentLanguage() }),
        values.form ? loadForm(values.form, null, currentLanguage()).catch(() => null) : null,
      ]);
      const rows = normaliseWeakest(data, form ? questionIndex(form) : {}).filter((r) => r.value !== null);
      clear(result);
      if (!rows.length) {
        result.append(h("p.muted", {}, t("league.empty")));
        return;
      }
      result.append(h("p.hint", {}, t("weakest.explain")));
      result.append(barChart({ rows: rows.map((r) => ({ ...r, label: `${r.critical ? "⚠ " : ""}${r.label}` })), label: t("weakest.title"), format: (v) => `${formatNumber(v)} %` }));
      const table = h("table.data.compact", {},
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, t("weakest.question")),
          h("th", { scope: "col" }, t("weakest.section")),
          h("th", { scope: "col" }, t("weakest.measure")),
          h("th.num", { scope: "col" }, t("weakest.value")),
          h("th.num", { scope: "col" }, t("weakest.answers")),
          h("th.num", { scope: "col" }, t("league.change")))),
        h("tbody", {}, rows.map((r) => h("tr", {},
          h("th", { scope: "row" }, r.label, r.critical ? h("span.badge.critical", {}, t("visit.critical")) : null),
          h("td", {}, r.section),
          h("td", {}, r.measure ? t(`weakest.measure_${r.measure}`) : "–"),
          h("td.num", {}, `${formatNumber(r.value)} %`),
          h("td.num", {}, r.detail ? r.detail.split(",")[0].replace("n=", "") : "–"),
          h("td.num", { class: r.change > 0 ? "up" : r.change < 0 ? "down" : null }, r.change === null ? "–" : `${r.change > 0 ? "+" : ""}${formatNumber(r.change)}`)))));
      table.classList.add("weakest");
      result.append(h("details", {}, h("summary", {}, t("charts.as_table")), h("div.table-scroll", {}, table)));
    } catch (error) {
      failure(result, error);
    }
  }

  load(bar.values());
}
