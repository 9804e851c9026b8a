// The league table: rank, visits, mean with its interval, change, section means and the
// too-few-visits flag; sortable by any column; exported as CSV, XLSX or PDF by the API.

import { ApiError, get } from "../api.js";
import { intervalBar } from "../charts.js";
import { clear, h } from "../dom.js";
import { loadForm, sectionTitles } from "../data.js";
import { currentLanguage, formatNumber, t } from "../i18n.js";
import { downloadButton, errorText, notice, pageHeader } from "../ui.js";
import { filterBar, rememberFilters } from "./filters.js";

// One shape for the rows. Section means arrive as a list aligned with the response's
// sections (sectionKeys), or keyed by section.
export function normaliseRow(row, sectionKeys = []) {
  const branch = row.branch || {};
  const sections = row.section_means || row.cells || row.sections || {};
  const valueOf = (v) => num(v && typeof v === "object" ? v.mean ?? v.percent ?? v.value : v);
  let sectionMeans = {};
  if (Array.isArray(sections)) {
    sections.forEach((v, i) => {
      const key = v && typeof v === "object" && (v.section_key || v.key) ? v.section_key || v.key : sectionKeys[i];
      if (key !== undefined) sectionMeans[key] = valueOf(v);
    });
  } else {
    sectionMeans = Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, valueOf(v)]));
  }
  return {
    id: branch.id ?? row.branch_id ?? row.id ?? null,
    name: branch.name ?? row.name ?? row.label ?? row.key ?? "",
    code: branch.code ?? row.code ?? "",
    visits: num(row.visits ?? row.n ?? row.count),
    mean: num(row.mean),
    low: num(row.interval_low),
    high: num(row.interval_high),
    adjusted: num(row.shrunk_mean ?? row.adjusted),
    rank: num(row.rank),
    tied: Boolean(row.rank_tied),
    change: num(row.change),
    target: num(row.target),
    targetMet: row.target_met,
    tooFew: Boolean(row.too_few_visits),
    borrowed: Boolean(row.interval_borrowed),
    sections: sectionMeans,
  };
}

function num(value) {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}

const COLUMNS = [
  { key: "rank", label: "league.rank", numeric: true },
  { key: "name", label: "league.branch" },
  { key: "visits", label: "league.visits", numeric: true },
  { key: "mean", label: "league.mean", numeric: true },
  { key: "interval", label: "league.interval", sortBy: "low", numeric: true },
  { key: "adjusted", label: "league.adjusted", numeric: true },
  { key: "change", label: "league.change", numeric: true },
];

export async function renderLeague(page, { query }) {
  page.append(pageHeader(t("league.title"), t("league.intro")));
  const result = h("div", { id: "league-result" });
  const bar = await filterBar(query, (values) => {
    rememberFilters("/league", values);
    load(values);
  }, { level: true });
  const exports = h("div.exports", {},
    ["csv", "xlsx", "pdf"].map((ext) => downloadButton(t(`league.export_${ext}`), `/comparison.${ext}`, () => ({ ...bar.values(), lang: currentLanguage() }), `comparison.${ext}`)));
  page.append(bar.element, exports, result);

  let sortKey = query.sort || "rank";
  let descending = query.dir === "desc";
  let rows = [];
  let sectionKeys = [];
  let titles = {};
  let level = "branch";
  let period = "";

  async function load(values) {
    level = values.level || "branch";
    clear(result).append(h("p.loading", {}, t("app.loading")));
    try {
      const data = await get("/comparison", { ...values, lang: currentLanguage() });
      const raw = Array.isArray(data) ? data : data.rows || [];
      const declared = Array.isArray(data.sections) ? data.sections : [];
      rows = raw.map((row) => normaliseRow(row, declared.map((s) => s.key || s.section_key)));
      titles = Object.fromEntries(declared.map((s) => [s.key || s.section_key, s.title || s.label || s.key]));
      sectionKeys = declared.length ? declared.map((s) => s.key || s.section_key) : [...new Set(rows.flatMap((r) => Object.keys(r.sections)))];
      if (sectionKeys.some((k) => !titles[k]) && values.form) {
        const form = await loadForm(values.form, null, currentLanguage()).catch(() => null);
        if (form) titles = { ...sectionTitles(form), ...titles };
      }
      period = data.period && data.period.key ? data.period.key : values.period;
      draw();
    } catch (error) {
      clear(result).append(notice(errorText(error), error instanceof ApiError && error.missingEndpoint ? "info" : "error"));
    }
  }

  function sorted() {
    const column = COLUMNS.find((c) => c.key === sortKey);
    const field = column && column.sortBy ? column.sortBy : sortKey;
    const value = (row) => (field.startsWith("section:") ? row.sections[field.slice(8)] : row[field]);
    return [...rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === null || x === undefined) return 1; // rows without a value stay last
      if (y === null || y === undefined) return -1;
      const order = typeof x === "string" ? x.localeCompare(y, currentLanguage()) : x - y;
      return descending ? -order : order;
    });
  }

  function header(key, label, numeric) {
    const active = sortKey === key;
    const th = h("th", { scope: "col", "aria-sort": active ? (descending ? "descending" : "ascending") : "none", class: numeric ? "num" : null });
    th.append(h("button.sort", {
      type: "button",
      dataset: { sort: key },
      onclick: () => {
        descending = active ? !descending : false;
        sortKey = key;
        draw();
        result.querySelector(`button[data-sort="${CSS.escape(key)}"]`).focus();
      },
    }, label, h("span.sort-mark", { "aria-hidden": "true" }, active ? (descending ? " ▼" : " ▲") : " ↕")));
    return th;
  }

  function draw() {
    clear(result);
    if (!rows.length) {
      result.append(h("p.muted", {}, t("league.empty")));
      return;
    }
    const headRow = h("tr", {}, COLUMNS.map((c) => header(c.key, t(c.label), c.numeric)),
      h("th", { scope: "col" }, t("league.flags")),
      sectionKeys.map((k) => header(`section:${k}`, titles[k] || k, true)));
    const body = h("tbody");
    for (const row of sorted()) {
      const flags = h("td.flags");
      if (row.tooFew) flags.append(h("span.badge.warning", { title: t("league.too_few_hint") }, t("league.too_few")));
      if (row.tied) flags.append(h("span.badge", {}, t("league.tied")));
      if (row.targetMet === true) flags.append(h("span.badge.good", {}, t("league.target_met")));
      const change = row.change === null ? "–" : `${row.change > 0 ? "▲ +" : row.change < 0 ? "▼ " : ""}${formatNumber(row.change)}`;
      body.append(h("tr", { class: row.tooFew ? "too-few" : null },
        h("td.num", {}, row.rank === null ? "–" : String(row.rank)),
        h("th", { scope: "row" }, row.id && level !== "area" ? h("a", { href: `#/branch/${row.id}` }, row.name) : row.name, row.code ? h("span.muted.small", {}, ` ${row.code}`) : null),
        h("td.num", {}, row.visits === null ? "–" : String(row.visits)),
        h("td.num", {}, formatNumber(row.mean)),
        h("td.interval-cell", {},
          intervalBar({ mean: row.mean, low: row.low, high: row.high, label: t("league.interval_label", { low: formatNumber(row.low), high: formatNumber(row.high) }) }),
          h("span.small", {}, `${formatNumber(row.low)}–${formatNumber(row.high)}`)),
        h("td.num", {}, formatNumber(row.adjusted)),
        h("td.num", { class: row.change > 0 ? "up" : row.change < 0 ? "down" : null }, change),
        flags,
        sectionKeys.map((k) => h("td.num", {}, formatNumber(row.sections[k])))));
    }
    const table = h("table.data.league", { id: "league-table" },
      h("caption.visually-hidden", {}, t("league.title")),
      h("thead", {}, headRow), body);
    result.append(h("div.table-scroll", { tabindex: 0, role: "region", "aria-label": t("league.title") }, table),
      h("p.hint", {}, t("league.explain")));
  }

  load(bar.values());
}
