// The HTTP API client. The bearer token lives in memory and in sessionStorage (or localStorage
// when the user chose to stay signed in); it goes only into the Authorization header, never
// into a URL, so it cannot leak through history, logs or a Referer.

const TOKEN_KEY = "ms.token";
const USER_KEY = "ms.user";

let token = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY);
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, body, { network = false } = {}) {
    super((body && body.message) || (network ? "network" : `HTTP ${status}`));
    this.status = status;
    this.body = body || {};
    this.errors = (body && body.errors) || {};
    this.network = network;
  }

  // A 404 from the router itself (the endpoint is not on this server yet), as opposed to a
  // 404 for an object outside the caller's scope.
  get missingEndpoint() {
    return this.status === 404 && /requested URL was not found/i.test(this.message);
  }

  // Worth retrying later: no answer, or the server said it is busy or down.
  get transient() {
    return this.network || this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export function hasToken() {
  return Boolean(token);
}

export function storedUser() {
  try {
    return JSON.parse(sessionStorage.getItem(USER_KEY) || localStorage.getItem(USER_KEY));
  } catch {
    return null;
  }
}

export function saveSession(newToken, user, remember) {
  token = newToken;
  const store = remember ? localStorage : sessionStorage;
  store.setItem(TOKEN_KEY, newToken);
  store.setItem(USER_KEY, JSON.stringify(user));
}

export function updateStoredUser(user) {
  const store = localStorage.getItem(TOKEN_KEY) ? localStorage : sessionStorage;
  store.setItem(USER_KEY, JSON.stringify(user));
}

export function clearSession() {
  token = null;
  for (const store of [sessionStorage, localStorage]) {
    store.removeItem(TOKEN_KEY);
    store.removeItem(USER_KEY);
  }
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// request("GET", "/visits", {params, body, raw}) -> parsed JSON (or the Response when raw).
export async function request(method, path, { params, body, raw = false, headers = {} } = {}) {
  const url = path.startsWith("http") || path.startsWith("/api/") ? path : `/api/v1${path}`;
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url + query(params), init);
  } catch (error) {
    throw new ApiError(0, { message: String(error.message || error) }, { network: true });
  }
  if (!response.ok) {
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = { message: response.statusText };
    }
    const error = new ApiError(response.status, payload);
    if (response.status === 401 && token) onUnauthorized(error);
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const data = await response.json();
  const pagination = response.headers.get("X-Pagination");
  if (pagination && Array.isArray(data)) data.pagination = JSON.parse(pagination);
  return data;
}

export const get = (path, params) => request("GET", path, { params });
export const post = (path, body) => request("POST", path, { body });

// Every page of a list, for the few places that need all of it (a branch's visits).
export async function getAll(path, params = {}, limit = 2000) {
  const rows = [];
  for (let page = 1; rows.length < limit; page += 1) {
    const batch = await get(path, { ...params, page, page_size: 500 });
    rows.push(...batch);
    if (!batch.pagination || !batch.pagination.next_page) break;
  }
  return rows;
}

// A binary resource (PDF, export, photo) fetched with the bearer header, as a Blob.
export async function getBlob(path, params) {
  const response = await request("GET", path, { params, raw: true, headers: { Accept: "*/*" } });
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const blob = await response.blob();
  return { blob, filename: match ? decodeURIComponent(match[1]) : null };
}
