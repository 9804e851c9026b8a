// Building blocks shared by the pages: headings, notices, badges, downloads, periods.

import { ApiError, getBlob } from "./api.js";
import { h, saveBlob, toast } from "./dom.js";
import { formatNumber, t } from "./i18n.js";

export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.network) return t("error.offline");
    if (error.missingEndpoint) return t("error.not_available");
    return error.message;
  }
  return String(error && error.message ? error.message : error);
}

export function pageHeader(title, subtitle = null, ...actions) {
  return h(
    "div.page-header",
    {},
    h("div", {}, h("h1", {}, title), subtitle ? h("p.subtitle", {}, subtitle) : null),
    actions.length ? h("div.actions", {}, actions) : null,
  );
}

export function notice(text, kind = "info") {
  return h(`div.notice.${kind}`, { role: kind === "error" ? "alert" : "status" }, text);
}

// The notice for an endpoint that another part of the team has not shipped yet.
export function unavailable(error) {
  return notice(errorText(error), error instanceof ApiError && error.missingEndpoint ? "info" : "error");
}

export function scoreBadge(score) {
  const value = score && typeof score === "object" ? score.display ?? score.percent : score;
  const number = value === null || value === undefined ? null : Number(value);
  let level = "none";
  if (number !== null && !Number.isNaN(number)) level = number >= 85 ? "good" : number >= 70 ? "fair" : "poor";
  const text = number === null || Number.isNaN(number) ? "–" : `${formatNumber(number)} %`;
  const critical = score && score.critical_failed;
  return h(`span.score.score-${level}`, { title: critical ? t("score.critical_failed") : null }, text, critical ? " ⚠" : null);
}

export function statusBadge(status) {
  return h(`span.badge.status-${status}`, {}, t(`status.${status}`));
}

export function section(title, ...children) {
  return h("section.card", {}, h("h2", {}, title), children);
}

// A button that fetches a file with the bearer header and saves it (no token in any URL).
export function downloadButton(label, path, params, fallbackName, { onMissing } = {}) {
  const button = h("button.secondary", {
    type: "button",
    onclick: async () => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      try {
        const { blob, filename } = await getBlob(path, typeof params === "function" ? params() : params);
        saveBlob(blob, filename || fallbackName);
      } catch (error) {
        if (onMissing && error instanceof ApiError && error.missingEndpoint) onMissing(error);
        else toast(errorText(error), "error");
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    },
  }, label);
  return button;
}

// "2026-10" for the month before today, the period managers usually want.
export function lastMonth() {
  const now = new Date();
  const date = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

export function monthsBack(count) {
  const now = new Date();
  const date = new Date(now.getFullYear(), now.getMonth() - count + 1, 1);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

export function thisMonth() {
  return monthsBack(1);
}

// A labelled control: <label for> + control (+ hint).
export function field(label, control, hint = null) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("p.hint", { id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div.field", {}, h("label", { for: id }, label), control, hintEl);
}

// Period selection: month (2026-10), quarter (2026-Q4) or year (2026), as the API takes them.
export function periodPicker(initial, onChange) {
  const kind = h("select", {}, ["month", "quarter", "year"].map((k) => h("option", { value: k }, t(`period.${k}`))));
  const month = h("input", { type: "month", value: initial, required: true });
  const year = h("input", { type: "number", min: 2000, max: 2100, value: initial.slice(0, 4), inputmode: "numeric" });
  const quarter = h("select", {}, [1, 2, 3, 4].map((q) => h("option", { value: q }, `Q${q}`)));
  quarter.value = String(Math.floor((Number(initial.slice(5, 7)) - 1) / 3) + 1);
  const value = () => {
    if (kind.value === "year") return year.value;
    if (kind.value === "quarter") return `${year.value}-Q${quarter.value}`;
    return month.value;
  };
  const sync = () => {
    month.closest(".field").hidden = kind.value !== "month";
    year.closest(".field").hidden = kind.value === "month";
    quarter.closest(".field").hidden = kind.value !== "quarter";
  };
  const wrap = h(
    "div.period-picker",
    {},
    field(t("period.kind"), kind),
    field(t("period.month"), month),
    field(t("period.year"), year),
    field(t("period.quarter"), quarter),
  );
  for (const control of [kind, month, year, quarter]) {
    control.addEventListener("change", () => {
      sync();
      if (onChange) onChange(value());
    });
  }
  sync();
  return { element: wrap, value };
}
