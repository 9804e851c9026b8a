// The outbox page: what is waiting, what was refused (with the server's own words) and what
// the server confirmed. It redraws itself whenever the outbox changes.

import { clear, h } from "../dom.js";
import { loadForm, questionIndex } from "../data.js";
import { currentLanguage, formatDateTime, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { notice, pageHeader, section } from "../ui.js";

const ORDER = { refused: 0, queued: 1, draft: 2, sent: 3 };

export async function renderOutbox(page) {
  const sendNow = h("button.primary", { type: "button", id: "send-now", onclick: () => outbox.syncNow() }, t("outbox.send_now"));
  page.append(pageHeader(t("outbox.title"), t("outbox.intro"), sendNow));
  const body = h("div", { id: "outbox-body" });
  page.append(body);
  let mounted = false;
  const draw = async () => {
    const visits = (await outbox.myVisits()).sort((a, b) => ORDER[a.state] - ORDER[b.state] || String(b.updated_at).localeCompare(String(a.updated_at)));
    const photos = await outbox.myPhotos();
    // Question labels for the server's complaints, from the cached form (works offline).
    const labels = {};
    for (const visit of visits.filter((v) => v.state === "refused")) {
      const form = await loadForm(visit.form_key, visit.form_version, currentLanguage()).catch(() => null);
      if (form) for (const [key, entry] of Object.entries(questionIndex(form))) labels[key] = entry.question.label;
    }
    clear(body);
    if (!navigator.onLine) body.append(notice(t("sync.offline_long"), "warning"));
    if (!visits.length) {
      body.append(h("p.muted", {}, t("outbox.empty")));
      return;
    }
    for (const state of ["refused", "queued", "draft", "sent"]) {
      const rows = visits.filter((v) => v.state === state);
      if (!rows.length) continue;
      const list = h("ul.list", { dataset: { state } });
      for (const visit of rows) list.append(item(visit, photos, labels));
      body.append(section(`${t(`outbox.group.${state}`)} (${rows.length})`, list));
    }
  };
  const unsubscribe = outbox.onChange(() => {
    if (!page.isConnected) {
      if (mounted) unsubscribe();
      return;
    }
    draw();
  });
  await draw();
  requestAnimationFrame(() => { mounted = true; });
}

function item(visit, photos, labels) {
  const mine = photos.filter((p) => p.visit_uuid === visit.client_uuid);
  const uploaded = mine.filter((p) => p.state === "complete").length;
  const main = h("div.item-main", {},
    h("strong", {}, visit.branch.name),
    h("span.muted", {}, ` ${visit.branch.code}`),
    visit.kind === "revision" ? h("span.badge", {}, t("visit.revision")) : null,
    h("p.small.muted", {}, formatDateTime(visit.started_at)));
  const state = h(`span.badge.outbox-${visit.state}`, {}, t(`outbox.state.${visit.state}`));
  main.append(h("p.small", {}, state, mine.length ? ` · ${t("outbox.photos", { done: uploaded, total: mine.length })}` : ""));
  if (visit.state === "queued" && visit.last_error) {
    main.append(h("p.small.muted", {}, t("outbox.retrying", { count: visit.attempts || 1 })));
  }
  if (visit.state === "sent") {
    main.append(h("p.small", {}, t("outbox.confirmed", { id: visit.server_visit_id }), visit.score ? ` · ${visit.score} %` : ""));
  }
  const actions = h("div.item-actions");
  if (visit.state === "refused") {
    const error = visit.error || {};
    main.append(h("div.notice.error", { role: "alert" },
      h("p", {}, error.message || t("visit.refused")),
      problemList(error.errors, labels)));
    actions.append(h("a.button.primary", { href: `#/visit/${visit.client_uuid}` }, t("outbox.correct")));
  }
  if (visit.state === "draft") actions.append(h("a.button.secondary", { href: `#/visit/${visit.client_uuid}` }, t("auditor.continue")));
  if (visit.state === "refused" || visit.state === "sent") {
    actions.append(h("button.danger-link", {
      type: "button",
      onclick: async () => {
        if (visit.state === "refused" && !confirm(t("visit.discard_confirm"))) return;
        await outbox.discardVisit(visit.client_uuid);
      },
    }, t(visit.state === "sent" ? "outbox.forget" : "visit.discard")));
  }
  return h("li.item", { dataset: { uuid: visit.client_uuid } }, main, actions);
}

function problemList(errors, labels) {
  if (!errors) return null;
  const list = h("ul.small");
  const answers = errors.answers || {};
  const count = Object.keys(answers).length;
  for (const [key, messages] of Object.entries(answers).slice(0, 5)) {
    list.append(h("li", {}, `${labels[key] || key}: ${[].concat(messages).join(" ")}`));
  }
  if (count > 5) list.append(h("li", {}, t("outbox.more_problems", { count: count - 5 })));
  for (const [field, messages] of Object.entries(errors)) {
    if (field !== "answers") list.append(h("li", {}, `${field}: ${[].concat(messages).map((m) => (typeof m === "object" ? JSON.stringify(m) : m)).join(" ")}`));
  }
  return list.childNodes.length ? list : null;
}
