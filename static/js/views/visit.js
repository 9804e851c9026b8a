// Filling a visit, section by section, fully offline: the draft lives in IndexedDB and is saved
// on every change; "Send" moves it to the outbox, which delivers it when the network allows.

import { get } from "../api.js";
import { clear, debounce, h, toast } from "../dom.js";
import { cachedGet, loadForm, questionIndex } from "../data.js";
import { currentLanguage, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { notice, pageHeader } from "../ui.js";
import { isAnswered, localProblems, renderQuestion, updateThumb } from "./questions.js";

export function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// #/new?assignment=7 or #/new?branch=3&form=branch-visit: make a draft, then open it.
export async function renderNewVisit(page, { query, user }) {
  let branch;
  let formKey = query.form;
  let assignment = null;
  if (query.assignment) {
    const { data } = await cachedGet("/assignments", { state: "open", page_size: 200 });
    assignment = data.find((a) => String(a.id) === query.assignment);
    if (!assignment) throw new Error(t("visit.no_assignment"));
    branch = assignment.branch;
    formKey = assignment.form_key;
  } else {
    const { data } = await cachedGet("/branches", { page_size: 500, active: true });
    const found = data.find((b) => String(b.id) === query.branch);
    if (!found) throw new Error(t("visit.no_branch"));
    branch = { id: found.id, code: found.code, name: found.name };
  }
  const form = await loadForm(formKey || "branch-visit", null, currentLanguage());
  const draft = {
    client_uuid: newUuid(),
    user_id: user.id,
    kind: "visit",
    state: "draft",
    branch: { id: branch.id, code: branch.code, name: branch.name },
    form_key: form.key,
    form_version: form.version,
    assignment_id: assignment ? assignment.id : null,
    scenario: assignment ? assignment.scenario : null,
    started_at: new Date().toISOString(),
    ended_at: null,
    waiting_seconds: null,
    answers: {},
    stopwatch: {},
    section: 0,
    gps: null,
    created_at: new Date().toISOString(),
  };
  await outbox.saveVisit(draft);
  location.replace(`#/visit/${draft.client_uuid}`);
  page.append(h("p.loading", {}, t("app.loading")));
}

// #/returned/155: a visit the reviewer sent back, corrected as a new revision.
export async function renderReturned(page, { params, user }) {
  const visitId = Number(params[0]);
  const existing = (await outbox.myVisits()).find((v) => v.kind === "revision" && v.visit_id === visitId && v.state !== "sent");
  if (existing) {
    location.replace(`#/visit/${existing.client_uuid}`);
    return;
  }
  const visit = await get(`/visits/${visitId}`);
  const answers = {};
  for (const answer of visit.answers || []) {
    answers[answer.question_key] = {
      value: answer.value,
      comment: answer.comment || "",
      photos: (answer.photos || []).map((p) => ({ id: p.id })),
    };
  }
  const draft = {
    client_uuid: newUuid(),
    revision_uuid: newUuid(),
    user_id: user.id,
    kind: "revision",
    visit_id: visit.id,
    state: "draft",
    branch: visit.branch,
    form_key: visit.form.key,
    form_version: visit.form.version,
    review_note: visit.review_note,
    started_at: visit.started_at,
    ended_at: visit.ended_at,
    waiting_seconds: visit.waiting_seconds,
    answers,
    stopwatch: {},
    section: 0,
    gps: visit.gps || null,
    created_at: new Date().toISOString(),
  };
  await outbox.saveVisit(draft);
  location.replace(`#/visit/${draft.client_uuid}`);
}

// <input type=datetime-local> speaks local wall time without a zone; the API wants ISO UTC.
function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}

export async function renderVisit(page, { params }) {
  const draft = await outbox.getVisit(params[0]);
  if (!draft) {
    page.append(notice(t("visit.not_found"), "error"), h("a", { href: "#/" }, t("app.back_home")));
    return;
  }
  if (draft.state === "queued" || draft.state === "sent") {
    page.append(pageHeader(draft.branch.name, draft.branch.code));
    page.append(notice(t(draft.state === "sent" ? "visit.already_sent" : "visit.already_queued"), "info"));
    page.append(h("a.button.secondary", { href: "#/outbox" }, t("nav.outbox")));
    return;
  }
  const form = await loadForm(draft.form_key, draft.form_version, currentLanguage());
  const index = questionIndex(form);
  const sections = form.sections || [];
  const waitingKey = (sections.flatMap((s) => s.questions).find((q) => q.type === "duration") || {}).key;

  const persist = debounce(() => outbox.saveDraft(draft), 300);
  let showProblems = draft.state === "refused";
  const serverErrors = () => (draft.error && draft.error.errors && draft.error.errors.answers) || {};

  const ctx = {
    draft,
    answer: (key) => (draft.answers[key] = draft.answers[key] || {}),
    change: () => {
      persist();
      drawNav();
    },
    isWaiting: (key) => key === waitingKey,
    newUuid,
    get serverErrors() { return serverErrors(); },
    get showProblems() { return showProblems; },
  };

  if (draft.kind === "visit" && !draft.gps && "geolocation" in navigator) {
    // Optional evidence of presence; never blocks filling or sending.
    navigator.geolocation.getCurrentPosition(
      (position) => {
        draft.gps = {
          latitude: position.coords.latitude,
          longitude: position.coords.longitude,
          accuracy_m: position.coords.accuracy,
        };
        persist();
      },
      () => {},
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 120000 },
    );
  }

  const subtitle = `${draft.branch.code} · ${form.title}`;
  page.append(pageHeader(draft.branch.name, subtitle));
  if (draft.scenario) page.append(h("p.scenario", {}, h("strong", {}, `${t("visit.scenario")}: `), draft.scenario));
  if (draft.kind === "revision") {
    page.append(h("div.notice.warning", { role: "note" }, h("strong", {}, `${t("auditor.reviewer_note")}: `), draft.review_note || "–"));
  }
  if (draft.state === "refused" && draft.error) {
    page.append(refusalNotice(draft, index));
  }

  const nav = h("nav.steps", { "aria-label": t("visit.sections") });
  const body = h("div.section-body");
  page.append(nav, body);

  const steps = sections.length + 1; // the last step: check and send
  const go = (step) => {
    draft.section = Math.max(0, Math.min(steps - 1, step));
    persist();
    drawNav();
    drawBody();
    const heading = body.querySelector("h2");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
    window.scrollTo({ top: 0 });
  };

  function drawNav() {
    clear(nav);
    const list = h("ol");
    sections.forEach((section, i) => {
      const answered = section.questions.filter((q) => isAnswered(q, draft.answers[q.key])).length;
      const problem = section.questions.some((q) => serverErrors()[q.key]);
      list.append(h("li", {},
        h("button.step", {
          type: "button",
          "aria-current": draft.section === i ? "step" : null,
          "aria-label": `${section.title}: ${answered}/${section.questions.length}`,
          dataset: { done: section.questions.every((q) => !q.required || isAnswered(q, draft.answers[q.key])) ? "yes" : "no", problem: problem ? "yes" : "no" },
          onclick: () => go(i),
        }, h("span.step-number", {}, String(i + 1)), h("span.step-count", {}, `${answered}/${section.questions.length}`))));
    });
    list.append(h("li", {}, h("button.step.finish", {
      type: "button",
      "aria-current": draft.section === sections.length ? "step" : null,
      onclick: () => go(sections.length),
    }, t("visit.finish"))));
    nav.append(list);
  }

  function drawBody() {
    clear(body);
    if (draft.section >= sections.length) {
      body.append(finishStep());
      return;
    }
    const section = sections[draft.section];
    const card = h("section.card.form-section", {},
      h("p.step-of", {}, t("visit.step_of", { n: draft.section + 1, total: sections.length })),
      h("h2", {}, section.title));
    for (const question of section.questions) card.append(renderQuestion(question, ctx));
    card.append(h("div.pager", {},
      draft.section > 0 ? h("button.secondary", { type: "button", onclick: () => go(draft.section - 1) }, `← ${t("visit.previous")}`) : h("span"),
      h("button.primary", { type: "button", onclick: () => go(draft.section + 1) }, `${t("visit.next")} →`)));
    body.append(card);
  }

  function finishStep() {
    const started = h("input", { type: "datetime-local", id: "visit-started", value: toLocalInput(draft.started_at) });
    if (!draft.ended_at && draft.kind === "visit") draft.ended_at = new Date().toISOString();
    const ended = h("input", { type: "datetime-local", id: "visit-ended", value: toLocalInput(draft.ended_at) });
    started.addEventListener("change", () => { draft.started_at = fromLocalInput(started.value) || draft.started_at; persist(); });
    ended.addEventListener("change", () => { draft.ended_at = fromLocalInput(ended.value) || draft.ended_at; persist(); });

    const missing = [];
    for (const section of sections) {
      for (const question of section.questions) {
        const problems = localProblems(question, draft.answers[question.key]);
        if (problems.length) missing.push({ section, question, problems });
      }
    }
    const card = h("section.card", {}, h("h2", {}, t("visit.check_and_send")));
    card.append(
      h("div.filters", {},
        h("div.field", {}, h("label", { for: "visit-started" }, t("visit.started_at")), started),
        h("div.field", {}, h("label", { for: "visit-ended" }, t("visit.ended_at")), ended)),
    );
    if (missing.length) {
      // Grouped by section: a button jumps there with the problems marked on each question.
      const list = h("ul.missing");
      for (const section of sections) {
        const items = missing.filter((m) => m.section === section);
        if (!items.length) continue;
        list.append(h("li", {},
          h("button.link", {
            type: "button",
            onclick: () => {
              showProblems = true;
              go(sections.indexOf(section));
              const el = document.getElementById(`question-${items[0].question.key}`);
              if (el) el.scrollIntoView({ block: "center" });
            },
          }, `${section.title} (${items.length})`),
          h("ul.small", {}, items.map((m) => h("li", {}, `${m.question.label} – ${m.problems.join("; ")}`)))));
      }
      card.append(h("div.notice.warning", { role: "note" }, h("p", {}, t("visit.missing", { count: missing.length })), list));
    } else {
      card.append(notice(t("visit.all_answered"), "success"));
    }
    const send = h("button.primary.big", {
      type: "button",
      id: "send-visit",
      onclick: async () => {
        send.disabled = true;
        if (!draft.ended_at || Date.parse(draft.ended_at) < Date.parse(draft.started_at)) draft.ended_at = new Date().toISOString();
        if (waitingKey) {
          const value = (draft.answers[waitingKey] || {}).value;
          draft.waiting_seconds = typeof value === "number" ? value : null;
        }
        persist.cancel();
        await outbox.queueVisit(draft);
        toast(t("visit.queued_toast"), "success");
        location.hash = "#/outbox";
      },
    }, t("visit.send"));
    const discard = h("button.danger-link", {
      type: "button",
      onclick: async () => {
        if (!confirm(t("visit.discard_confirm"))) return;
        await outbox.discardVisit(draft.client_uuid);
        location.hash = "#/";
      },
    }, t("visit.discard"));
    card.append(h("p.hint", {}, t("visit.send_hint")), h("div.pager", {}, discard, send));
    return card;
  }

  drawNav();
  drawBody();

  // Live upload progress on the thumbnails of this page.
  const unsubscribe = outbox.onChange(async () => {
    if (!page.isConnected) {
      if (mounted) unsubscribe();
      return;
    }
    for (const item of page.querySelectorAll("li.thumb[data-uuid]")) {
      if (!item.dataset.uuid) continue;
      const photo = await outbox.getPhoto(item.dataset.uuid);
      if (photo) updateThumb(item, photo);
    }
  });
  let mounted = false;
  requestAnimationFrame(() => { mounted = true; });
}

function refusalNotice(draft, index) {
  const error = draft.error;
  const box = h("div.notice.error", { role: "alert" },
    h("p", {}, h("strong", {}, t("visit.refused")), " ", error.message || ""));
  const answers = (error.errors && error.errors.answers) || {};
  const list = h("ul");
  for (const [key, messages] of Object.entries(answers)) {
    const entry = index[key];
    const label = entry ? `${entry.section.title}: ${entry.question.label}` : key;
    list.append(h("li", {}, `${label} – ${[].concat(messages).join(" ")}`));
  }
  for (const [field, messages] of Object.entries(error.errors || {})) {
    if (field === "answers") continue;
    const text = [].concat(messages).map((m) => (typeof m === "object" ? JSON.stringify(m) : m)).join(" ");
    list.append(h("li", {}, `${field} – ${text}`));
  }
  if (list.childNodes.length) box.append(list);
  box.append(h("p.small", {}, t("visit.refused_hint")));
  return box;
}

