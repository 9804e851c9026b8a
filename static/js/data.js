// Reads that must keep working offline: the network first, the last good answer from IndexedDB
// when there is none. Keys include the user id so that two people on one phone never mix.

import { ApiError, get } from "./api.js";
import { cacheGet, cachePut } from "./db.js";

let userId = "anon";

export function setCacheUser(id) {
  userId = id;
}

// -> {data, stale}; stale is true when the answer came from the cache.
export async function cachedGet(path, params = {}, key = null) {
  const cacheKey = `${userId}:${key || path + JSON.stringify(params)}`;
  try {
    const data = await get(path, params);
    await cachePut(cacheKey, { rows: data, pagination: data.pagination || null });
    return { data, stale: false };
  } catch (error) {
    if (!(error instanceof ApiError) || !error.transient) throw error;
    const cached = await cacheGet(cacheKey);
    if (cached === undefined) throw error;
    const data = cached.rows;
    if (Array.isArray(data) && cached.pagination) data.pagination = cached.pagination;
    return { data, stale: true };
  }
}

// A form in one language (texts come from the API in that language), cached for offline use.
// Forms are not private, so they are cached without a user in the key (the service worker
// keeps a copy too).
export async function loadForm(key, version, lang) {
  const params = { lang };
  if (version) params.version = version;
  const exact = `form:${key}:${version || "latest"}:${lang}`;
  try {
    const form = await get(`/forms/${encodeURIComponent(key)}`, params);
    await cachePut(exact, form);
    await cachePut(`form:${key}:${form.version}:${lang}`, form);
    await cachePut(`form:${key}:${form.version}:any`, form);
    if (!version) await cachePut(`form:${key}:latest:any`, form);
    return form;
  } catch (error) {
    if (!(error instanceof ApiError) || !error.transient) throw error;
    const cached = (await cacheGet(exact)) || (await cacheGet(`form:${key}:${version || "latest"}:any`));
    if (!cached) throw error;
    return cached;
  }
}

// Fetch every published form in a language ahead of time, so a visit can start offline.
export async function prefetchForms(lang) {
  try {
    const forms = await get("/forms", { lang, page_size: 100 });
    await Promise.all(forms.map((form) => loadForm(form.key, null, lang).catch(() => null)));
    return forms;
  } catch {
    return [];
  }
}

// Question key -> {question, section} for a form, to label answers and server errors.
export function questionIndex(form) {
  const index = {};
  for (const section of form.sections || []) {
    for (const question of section.questions || []) index[question.key] = { question, section };
  }
  return index;
}

export function sectionTitles(form) {
  return Object.fromEntries((form.sections || []).map((s) => [s.key, s.title]));
}
