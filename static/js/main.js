// Boot: language, session, service worker, navigation by role, and hash routing
// (#/path?query) so that one HTML page served by Flask holds the whole app.

import * as api from "./api.js";
import { clearCache } from "./db.js";
import { setCacheUser } from "./data.js";
import { clear, h, toast } from "./dom.js";
import { LANGUAGES, currentLanguage, preferredLanguage, setLanguage, t } from "./i18n.js";
import * as outbox from "./outbox.js";
import { renderSyncStatus } from "./views/syncstatus.js";
import { routes } from "./routes.js";
import { errorText } from "./ui.js";

const state = { user: null };
export const session = state;

const main = () => document.getElementById("main");

function navItems(role) {
  switch (role) {
    case "auditor":
      return [["#/", "nav.visits"], ["#/outbox", "nav.outbox"]];
    case "branch_manager":
      return [["#/", "nav.branches"]];
    case "regional_manager":
      return [["#/", "nav.branches"], ["#/league", "nav.league"], ["#/trends", "nav.trends"]];
    default:
      return [
        ["#/league", "nav.league"],
        ["#/heatmap", "nav.heatmap"],
        ["#/trends", "nav.trends"],
        ["#/weakest", "nav.weakest"],
        ["#/review", "nav.review"],
        ["#/", "nav.branches"],
      ];
  }
}

function renderChrome() {
  document.getElementById("brand-name").textContent = t("app.name");
  document.querySelector(".skip-link").textContent = t("app.skip");
  document.title = t("app.name");
  const nav = clear(document.getElementById("nav"));
  const tools = clear(document.getElementById("tools"));
  const select = h(
    "select",
    { id: "language", "aria-label": t("app.language"), onchange: (e) => changeLanguage(e.target.value) },
    Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, selected: code === currentLanguage() }, name)),
  );
  tools.append(select);
  if (!state.user) return;
  for (const [href, key] of navItems(state.user.role)) {
    nav.append(h("a", { href, dataset: { nav: href } }, t(key)));
  }
  tools.append(
    h("span.who", { title: state.user.email }, state.user.name),
    h("button.link", { type: "button", onclick: logout }, t("app.logout")),
  );
  markCurrentNav();
}

function markCurrentNav() {
  const path = (location.hash || "#/").split("?")[0];
  for (const link of document.querySelectorAll("#nav a")) {
    const target = link.dataset.nav;
    const current = target === "#/" ? path === "#/" : path.startsWith(target);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function changeLanguage(lang) {
  await setLanguage(lang, { remember: true });
  renderChrome();
  renderSyncStatus();
  route();
}

export async function login(token, user, remember) {
  api.saveSession(token, user, remember);
  await startSession(user);
  // A deep link opened before logging in (#/review/12) is where the user lands.
  route();
}

async function logout() {
  if (state.user && state.user.role === "auditor") {
    // Unsent visits stay on the phone for this user's next log-in; say so before leaving.
    const { queued } = await outbox.counts();
    if (queued && !confirm(t("app.logout_pending", { count: queued }))) return;
  }
  try {
    await api.request("DELETE", "/auth/token");
  } catch {
    // Offline: the token still ends here; the server lets it expire.
  }
  api.clearSession();
  await clearCache();
  outbox.stop();
  state.user = null;
  renderChrome();
  renderSyncStatus();
  location.hash = "#/";
  route();
}

async function startSession(user) {
  state.user = user;
  setCacheUser(user.id);
  renderChrome();
  if (user.role === "auditor") outbox.start(user);
  renderSyncStatus();
}

function parseHash() {
  const [path, search = ""] = (location.hash.slice(1) || "/").split("?");
  return { path: path || "/", query: Object.fromEntries(new URLSearchParams(search)) };
}

let generation = 0;

export async function route() {
  const mine = ++generation;
  const { path, query } = parseHash();
  const target = main();
  markCurrentNav();
  if (!state.user) {
    const { renderLogin } = await import("./views/login.js");
    clear(target);
    renderLogin(target);
    return;
  }
  for (const [pattern, loader] of routes(state.user.role)) {
    const match = pattern.exec(path);
    if (!match) continue;
    clear(target).append(h("p.loading", {}, t("app.loading")));
    try {
      const view = await loader();
      if (mine !== generation) return;
      const page = h("div.page");
      await view(page, { params: match.slice(1), query, user: state.user });
      if (mine !== generation) return;
      clear(target).append(page);
      const heading = page.querySelector("h1");
      if (heading && document.activeElement === document.body) heading.tabIndex = -1;
    } catch (error) {
      if (mine !== generation) return;
      console.error(error);
      clear(target).append(h("div.notice.error", { role: "alert" }, errorText(error)));
    }
    return;
  }
  clear(target).append(h("p.notice", {}, t("app.not_found")));
}

async function boot() {
  await setLanguage(preferredLanguage());
  outbox.onChange(renderSyncStatus);
  api.setUnauthorizedHandler(() => {
    toast(t("error.session_expired"), "error");
    api.clearSession();
    state.user = null;
    outbox.stop();
    renderChrome();
    renderSyncStatus();
    route();
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => console.warn("service worker", error));
  }
  const user = api.hasToken() ? api.storedUser() : null;
  if (user) {
    await startSession(user);
    // Refresh the user (role, scope) quietly; offline the stored copy serves.
    api.get("/me").then((fresh) => {
      api.updateStoredUser(fresh);
      state.user = fresh;
      renderChrome();
    }).catch(() => {});
  } else {
    renderChrome();
  }
  window.addEventListener("hashchange", route);
  await route();
}

boot();
