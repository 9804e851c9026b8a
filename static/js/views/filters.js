// The filter bar of the analysis pages (period, area, form) and its state in the URL hash, so a
// filtered table can be bookmarked or shared (filters only: tokens never go into a URL).

import { getAll } from "../api.js";
import { h } from "../dom.js";
import { currentLanguage, t } from "../i18n.js";
import { field, lastMonth, periodPicker } from "../ui.js";

let areasPromise = null;
const formsByLanguage = new Map(); // form titles come in the chosen language

export function areas() {
  areasPromise = areasPromise || getAll("/areas", { active: true }).catch(() => []);
  return areasPromise;
}

export function forms() {
  const lang = currentLanguage();
  if (!formsByLanguage.has(lang)) formsByLanguage.set(lang, getAll("/forms", { lang }).catch(() => []));
  return formsByLanguage.get(lang);
}

// -> {element, values()}; onApply(values) runs on submit. Initial values come from the query.
export async function filterBar(query, onApply, { level = false, period = true } = {}) {
  const [areaList, formList] = await Promise.all([areas(), forms()]);
  const picker = period ? periodPicker(query.period && /^\d{4}-\d{2}$/.test(query.period) ? query.period : lastMonth()) : null;
  const area = h("select", { name: "area" },
    h("option", { value: "" }, t("filters.all_areas")),
    areaList.sort((a, b) => String(a.code).localeCompare(String(b.code))).map((a) => h("option", { value: a.id }, a.code || a.name)));
  area.value = query.area || "";
  const form = h("select", { name: "form" }, formList.map((f) => h("option", { value: f.key }, f.title)));
  if (query.form) form.value = query.form;
  const levelSelect = h("select", { name: "level" },
    h("option", { value: "branch" }, t("filters.level_branch")),
    h("option", { value: "area" }, t("filters.level_area")));
  levelSelect.value = query.level || "branch";
  const values = () => {
    const result = { area: area.value, form: form.value };
    if (picker) result.period = picker.value();
    if (level) result.level = levelSelect.value;
    return result;
  };
  const element = h("form.filters.card", {
    onsubmit: (event) => {
      event.preventDefault();
      onApply(values());
    },
  },
  picker ? picker.element : null,
  field(t("filters.area"), area),
  formList.length ? field(t("filters.form"), form) : null,
  level ? field(t("filters.level"), levelSelect) : null,
  h("div.field.submit", {}, h("button.primary", { type: "submit" }, t("filters.apply"))));
  return { element, values };
}

// Keep the filters in the hash (#/league?period=2026-10&area=3) without reloading the page.
export function rememberFilters(path, values) {
  const search = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== "" && v !== null && v !== undefined));
  history.replaceState(null, "", `#${path}?${search}`);
}
