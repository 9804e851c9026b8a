// The service worker: keeps the app shell and every static file, so the app opens with no
// network at all, and the last copy of each form definition, so a visit can be filled offline.
// Visits themselves are never sent from here: the page's outbox (IndexedDB) does that.

const BUILD = {"version": "dev", "files": []}; // filled in by server/pages.py when served
const SHELL_CACHE = `shell-${BUILD.version}`;
const FORMS_CACHE = "forms-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(BUILD.files.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Form definitions are public texts (no personal data), so one copy per URL is safe to keep.
function isForm(url) {
  return url.pathname.startsWith("/api/v1/forms/");
}

async function networkFirst(request) {
  const cache = await caches.open(FORMS_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch (error) {
    // Any page of the app while offline: the shell, which routes by the hash.
    if (request.mode === "navigate") {
      const shell = await cache.match("/");
      if (shell) return shell;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isForm(url)) {
    event.respondWith(networkFirst(request));
    return;
  }
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/storage/")) return;
  if (request.mode === "navigate" && url.pathname !== "/") return; // other server pages
  if (url.pathname === "/" || url.pathname === "/manifest.webmanifest" || url.pathname.startsWith("/static/")) {
    event.respondWith(shellFirst(request));
  }
});
