// The sync line under the header: how many visits wait, whether any was refused, whether we
// are offline. Always visible to auditors, so nobody wonders whether a visit went out.

import { hasToken, storedUser } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";
import * as outbox from "../outbox.js";

let pending = false;
let dirty = false;

export async function renderSyncStatus() {
  const el = document.getElementById("sync-status");
  const user = hasToken() ? storedUser() : null;
  if (!user || user.role !== "auditor") {
    el.hidden = true;
    return;
  }
  if (pending) {
    dirty = true;
    return;
  }
  pending = true;
  try {
    const counts = await outbox.counts();
    const photos = (await outbox.myPhotos()).filter((p) => p.state === "local").length;
    const parts = [];
    let kind = "ok";
    if (counts.queued) {
      parts.push(t("sync.waiting", { count: counts.queued }));
      kind = "waiting";
    }
    if (photos) {
      parts.push(t("sync.photos_waiting", { count: photos }));
      kind = "waiting";
    }
    if (counts.refused) {
      parts.push(t("sync.refused", { count: counts.refused }));
      kind = "error";
    }
    if (!navigator.onLine) {
      parts.push(t("sync.offline"));
      if (kind === "ok") kind = "offline";
    }
    if (!parts.length) parts.push(t("sync.all_sent"));
    clear(el).append(h("a", { href: "#/outbox" }, parts.join(" · ")));
    el.dataset.kind = kind;
    el.dataset.queued = String(counts.queued);
    el.hidden = false;
  } finally {
    pending = false;
    if (dirty) {
      dirty = false;
      renderSyncStatus();
    }
  }
}

window.addEventListener("online", renderSyncStatus);
window.addEventListener("offline", renderSyncStatus);
