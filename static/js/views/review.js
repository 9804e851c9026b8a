// QA review: the queue (sortable), and one visit with its answers, photos inline and the QA
// flags with their reasons; approve, return with a note, or reject.

import { get, getAll, getBlob, post } from "../api.js";
import { clear, h, toast } from "../dom.js";
import { loadForm, sectionTitles } from "../data.js";
import { currentLanguage, formatDate, formatDateTime, formatNumber, formatSeconds, t } from "../i18n.js";
import { errorText, notice, pageHeader, scoreBadge, section, statusBadge } from "../ui.js";

let queueCache = [];

const COLUMNS = [
  { key: "submitted_at", label: "review.submitted" },
  { key: "visit_date", label: "review.visit_date" },
  { key: "branch", label: "review.branch", value: (v) => v.branch.name },
  { key: "auditor", label: "review.auditor", value: (v) => (v.auditor ? v.auditor.name : "") },
  { key: "score", label: "review.score", value: (v) => (v.score && v.score.percent !== null ? Number(v.score.percent) : null), numeric: true },
  { key: "flags", label: "review.flags", value: (v) => (v.flags || []).length, numeric: true },
];

export async function renderQueue(page, { query }) {
  queueCache = await getAll("/review-queue", {}, 1000);
  page.append(pageHeader(t("review.title"), t("review.count", { count: queueCache.length })));
  if (!queueCache.length) {
    page.append(notice(t("review.empty"), "success"));
    return;
  }
  let sortKey = query.sort || "submitted_at";
  let descending = query.dir === "desc";
  const holder = h("div.table-scroll", { tabindex: 0, role: "region", "aria-label": t("review.title") });
  page.append(h("section.card", {}, holder));

  const draw = () => {
    const column = COLUMNS.find((c) => c.key === sortKey) || COLUMNS[0];
    const value = column.value || ((v) => v[column.key]);
    const rows = [...queueCache].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const order = typeof x === "string" ? x.localeCompare(y, currentLanguage()) : x - y;
      return descending ? -order : order;
    });
    const head = h("tr", {}, COLUMNS.map((c) => {
      const active = c.key === sortKey;
      return h("th", { scope: "col", class: c.numeric ? "num" : null, "aria-sort": active ? (descending ? "descending" : "ascending") : "none" },
        h("button.sort", {
          type: "button",
          dataset: { sort: c.key },
          onclick: () => {
            descending = active ? !descending : false;
            sortKey = c.key;
            draw();
            holder.querySelector(`button[data-sort="${c.key}"]`).focus();
          },
        }, t(c.label), h("span.sort-mark", { "aria-hidden": "true" }, active ? (descending ? " ▼" : " ▲") : " ↕")));
    }));
    const body = h("tbody", {}, rows.map((v) => h("tr", { dataset: { visit: v.id } },
      h("td", {}, formatDateTime(v.submitted_at)),
      h("td", {}, formatDate(v.visit_date)),
      h("th", { scope: "row" }, h("a", { href: `#/review/${v.id}` }, v.branch.name), h("span.muted.small", {}, ` ${v.branch.code}`)),
      h("td", {}, v.auditor ? v.auditor.name : "–"),
      h("td.num", {}, scoreBadge(v.score)),
      h("td.num", {}, (v.flags || []).length ? h("span.badge.warning", { title: v.flags.map((f) => f.reason).join("\n") }, String(v.flags.length)) : "0"))));
    clear(holder).append(h("table.data", { id: "review-table" }, h("thead", {}, head), body));
  };
  draw();
}

function answerText(question, answer) {
  const value = answer.value;
  if (value === null || value === undefined || value === "") return "–";
  if (value === "na") return t("answer.na");
  if (!question) return String(value);
  switch (question.type) {
    case "yes_no":
      return t(`answer.${value}`);
    case "scale":
      return `${value} / ${question.max}${question.scale_labels && question.scale_labels[value] ? ` – ${question.scale_labels[value]}` : ""}`;
    case "choice": {
      const option = (question.options || []).find((o) => o.key === value);
      return option ? option.label : String(value);
    }
    case "duration":
      return `${formatSeconds(value)} (${value} s)`;
    default:
      return String(value);
  }
}

export async function renderReview(page, { params }) {
  const id = Number(params[0]);
  let visit = queueCache.find((v) => v.id === id);
  if (!visit) {
    queueCache = await getAll("/review-queue", {}, 1000);
    visit = queueCache.find((v) => v.id === id);
  }
  if (!visit) visit = await get(`/visits/${id}`); // decided already: no flags, no decision
  const form = await loadForm(visit.form.key, visit.form.version, currentLanguage()).catch(() => null);
  const titles = form ? sectionTitles(form) : {};

  page.append(pageHeader(visit.branch.name, `${visit.branch.code} · ${form ? form.title : visit.form.key}`, statusBadge(visit.status)));
  page.append(h("p", {}, h("a", { href: "#/review" }, `← ${t("review.back")}`)));

  const facts = h("dl.facts", {},
    fact(t("review.visit_date"), formatDate(visit.visit_date)),
    fact(t("review.time"), `${formatDateTime(visit.started_at)} – ${formatDateTime(visit.ended_at)}`),
    fact(t("review.waiting"), visit.waiting_seconds === null || visit.waiting_seconds === undefined ? "–" : formatSeconds(visit.waiting_seconds)),
    fact(t("review.auditor"), visit.auditor ? visit.auditor.name : "–"),
    fact(t("review.submitted"), formatDateTime(visit.submitted_at)),
    fact(t("review.revision"), String(visit.revision || 1)),
    fact(t("review.gps"), visit.gps ? `${formatNumber(visit.gps.latitude, 4)}, ${formatNumber(visit.gps.longitude, 4)}` : "–"),
    fact(t("review.score"), scoreBadge(visit.score)));
  page.append(h("section.card", {}, facts));

  const flags = visit.flags || [];
  page.append(section(t("review.flags_title", { count: flags.length }),
    flags.length
      ? h("ul.flags-list", { id: "flags" }, flags.map((f) => h("li", {}, h("strong", {}, t(`flag.${f.code}`) === `flag.${f.code}` ? f.code : t(`flag.${f.code}`)), h("p", {}, f.reason))))
      : h("p.muted", {}, t("review.no_flags"))));

  if (visit.status === "submitted") page.append(decisionCard(visit));
  page.append(await answersCard(visit, form, titles));
  if (visit.revision > 1) page.append(await historyCard(visit.id));
}

function fact(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

async function answersCard(visit, form, titles) {
  const card = h("section.card", { id: "answers" }, h("h2", {}, t("review.answers")));
  const byKey = Object.fromEntries((visit.answers || []).map((a) => [a.question_key, a]));
  const sections = form ? form.sections : [...new Set((visit.answers || []).map((a) => a.section_key))].map((key) => ({ key, title: key, questions: (visit.answers || []).filter((a) => a.section_key === key).map((a) => ({ key: a.question_key, label: a.question_key })) }));
  const scores = Object.fromEntries((visit.sections || []).map((s) => [s.section_key, s]));
  for (const s of sections) {
    const list = h("ul.answers");
    for (const question of s.questions) {
      const answer = byKey[question.key];
      if (!answer) {
        list.append(h("li.answer", {}, h("span.q", {}, question.label), h("span.muted", {}, "–")));
        continue;
      }
      const photos = h("div.thumbs-inline");
      for (const photo of answer.photos || []) photos.append(photoThumb(photo));
      list.append(h(`li.answer.status-${answer.status || "none"}`, {},
        h("span.q", {}, question.label, question.critical ? h("span.badge.critical", {}, t("visit.critical")) : null),
        h("span.a", {}, answerText(question, answer),
          answer.possible !== null && answer.possible !== undefined ? h("span.muted.small", {}, ` · ${formatNumber(answer.earned)} / ${formatNumber(answer.possible)}`) : null),
        answer.comment ? h("p.comment", {}, `“${answer.comment}”`) : null,
        photos.childNodes.length ? photos : null));
    }
    const score = scores[s.key];
    card.append(h("h3", {}, titles[s.key] || s.title, " ", score ? scoreBadge(score.percent) : null), list);
  }
  return card;
}

// Photos need the bearer header: fetched as blobs and shown through object URLs.
function photoThumb(photo) {
  const img = h("img", { alt: t("photo.evidence", { id: photo.id }), width: 120, height: 90 });
  const button = h("button.thumb-button", { type: "button", "aria-label": t("photo.open", { id: photo.id }) }, img);
  getBlob(`/photos/${photo.id}/thumbnail`).then(({ blob }) => { img.src = URL.createObjectURL(blob); }).catch(() => { img.alt = t("photo.unavailable"); });
  button.addEventListener("click", async () => {
    const full = h("img", { alt: t("photo.evidence", { id: photo.id }) });
    const close = h("button.secondary", { type: "button" }, t("app.close"));
    const dialog = h("dialog.photo-dialog", { "aria-label": t("photo.evidence", { id: photo.id }) }, full, h("div.pager", {}, h("span"), close));
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      if (full.src) URL.revokeObjectURL(full.src);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    try {
      const { blob } = await getBlob(`/photos/${photo.id}`);
      full.src = URL.createObjectURL(blob);
    } catch (error) {
      full.alt = errorText(error);
    }
  });
  return button;
}

function decisionCard(visit) {
  const note = h("textarea", { id: "review-note", rows: 3, maxlength: 4000 });
  const message = h("div", { role: "alert", class: "form-error" });
  const decide = async (decision) => {
    message.textContent = "";
    if (decision !== "approve" && !note.value.trim()) {
      message.textContent = t("review.note_needed");
      note.focus();
      return;
    }
    for (const b of buttons) b.disabled = true;
    try {
      await post(`/visits/${visit.id}/review`, { decision, note: note.value.trim() });
      queueCache = queueCache.filter((v) => v.id !== visit.id);
      toast(t(`review.done_${decision}`), "success");
      location.hash = "#/review";
    } catch (error) {
      message.textContent = errorText(error);
      for (const b of buttons) b.disabled = false;
    }
  };
  const buttons = [
    h("button.primary", { type: "button", id: "approve", onclick: () => decide("approve") }, t("review.approve")),
    h("button.secondary", { type: "button", id: "return", onclick: () => decide("return") }, t("review.return")),
    h("button.danger", { type: "button", id: "reject", onclick: () => decide("reject") }, t("review.reject")),
  ];
  return h("section.card.decision", {},
    h("h2", {}, t("review.decision")),
    h("div.field", {}, h("label", { for: "review-note" }, t("review.note")), note, h("p.hint", {}, t("review.note_hint"))),
    message,
    h("div.decision-buttons", {}, buttons));
}

async function historyCard(visitId) {
  try {
    const history = await get(`/visits/${visitId}/history`);
    const list = h("ul.list");
    for (const d of history.decisions || []) {
      list.append(h("li", {}, statusBadge(d.decision),
        ` · ${formatDateTime(d.decided_at)} · ${d.reviewer_name || ""}`, d.note ? h("p.comment", {}, `“${d.note}”`) : null));
    }
    return section(t("review.history"), list);
  } catch (error) {
    return section(t("review.history"), notice(errorText(error), "error"));
  }
}
