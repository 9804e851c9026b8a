// UI texts from small JSON catalogs under /static/i18n/. Form texts come from the API in the
// chosen language; these catalogs cover everything else the app says.

export const LANGUAGES = {
  en: "English",
  cs: "Čeština",
  hu: "Magyar",
  lt: "Lietuvių",
  nb: "Norsk bokmål",
  pl: "Polski",
};
const FALLBACK = "en";
const STORAGE_KEY = "ms.lang";

let language = FALLBACK;
let catalog = {};
let fallback = {};

// The browser's preference, mapped onto our six languages (Norwegian "no"/"nn" -> bokmål).
export function browserLanguage() {
  for (const tag of navigator.languages || [navigator.language || FALLBACK]) {
    const base = tag.toLowerCase().split("-")[0];
    const mapped = base === "no" || base === "nn" ? "nb" : base;
    if (mapped in LANGUAGES) return mapped;
  }
  return FALLBACK;
}

export function preferredLanguage() {
  const chosen = localStorage.getItem(STORAGE_KEY);
  return chosen && chosen in LANGUAGES ? chosen : browserLanguage();
}

async function fetchCatalog(lang) {
  const response = await fetch(`/static/i18n/${lang}.json`);
  if (!response.ok) throw new Error(`catalog ${lang}: ${response.status}`);
  return response.json();
}

export async function setLanguage(lang, { remember = false } = {}) {
  if (!(lang in LANGUAGES)) lang = FALLBACK;
  if (remember) localStorage.setItem(STORAGE_KEY, lang);
  if (!Object.keys(fallback).length) fallback = await fetchCatalog(FALLBACK);
  catalog = lang === FALLBACK ? fallback : await fetchCatalog(lang).catch(() => fallback);
  language = lang;
  document.documentElement.lang = lang;
}

export function currentLanguage() {
  return language;
}

// t("sync.waiting", {count: 2}) with plural forms chosen by Intl.PluralRules:
// a catalog value may be {"one": "...", "few": "...", "other": "..."}.
export function t(key, params = {}) {
  let text = catalog[key] ?? fallback[key] ?? key;
  if (typeof text === "object") {
    const form = new Intl.PluralRules(language).select(Number(params.count ?? 0));
    text = text[form] ?? text.other ?? key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// The browser's own regional variant of the chosen language (en-GB, not en-US) for dates.
function locale() {
  return (navigator.languages || []).find((tag) => tag.toLowerCase().startsWith(language)) || language;
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) {
    return "–";
  }
  return new Intl.NumberFormat(language, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(value));
}

export function formatDate(value) {
  if (!value) return "–";
  const date = new Date(value.length === 10 ? `${value}T12:00:00` : value);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(date);
}

export function formatDateTime(value) {
  if (!value) return "–";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" })
    .format(new Date(value));
}

export function formatSeconds(total) {
  if (total === null || total === undefined || total === "") return "–";
  const seconds = Math.max(0, Math.round(Number(total)));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

// "2026-10" -> "Oct 2026" in the chosen language; anything else is returned as it is.
export function formatMonth(key) {
  if (!/^\d{4}-\d{2}$/.test(String(key))) return String(key);
  const [year, month] = key.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { month: "short", year: "numeric" }).format(new Date(year, month - 1, 15));
}
