// The auditor's home: returned visits to correct, unfinished drafts, assigned visits, and any
// branch in scope to start a visit at. Lists come from the cache when the phone is offline.

import { clear, h } from "../dom.js";
import { cachedGet, prefetchForms } from "../data.js";
import { currentLanguage, formatDate, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { errorText, notice, pageHeader, section } from "../ui.js";

export async function renderHome(page, { user }) {
  page.append(pageHeader(t("auditor.title"), t("auditor.hello", { name: user.name })));
  const local = await outbox.myVisits();
  const [assignments, branches, forms, returned] = await Promise.all([
    cachedGet("/assignments", { state: "open", page_size: 200 }).catch((e) => ({ error: e })),
    cachedGet("/branches", { page_size: 500, active: true }).catch((e) => ({ error: e })),
    cachedGet("/forms", { lang: currentLanguage(), page_size: 100 }).catch((e) => ({ error: e })),
    cachedGet("/visits", { status: "returned", page_size: 100 }).catch((e) => ({ error: e })),
  ]);
  if ([assignments, branches, forms, returned].some((r) => r.stale)) {
    page.append(notice(t("auditor.offline_lists"), "info"));
  }
  if (navigator.onLine) prefetchForms(currentLanguage());

  page.append(returnedSection(returned, local));
  const drafts = local.filter((v) => v.state === "draft");
  if (drafts.length) page.append(draftsSection(drafts));
  page.append(assignmentsSection(assignments, local));
  page.append(branchesSection(branches, forms));
}

function returnedSection(result, local) {
  if (result.error) return section(t("auditor.returned"), notice(errorText(result.error), "error"));
  const rows = result.data;
  if (!rows.length) return section(t("auditor.returned"), h("p.muted", {}, t("auditor.no_returned")));
  const list = h("ul.list");
  for (const visit of rows) {
    const revision = local.find((v) => v.kind === "revision" && v.visit_id === visit.id && v.state !== "draft");
    list.append(
      h(
        "li.item",
        {},
        h("div.item-main", {},
          h("strong", {}, visit.branch.name),
          h("span.muted", {}, ` ${visit.branch.code} · ${formatDate(visit.visit_date)}`),
          h("blockquote.review-note", {}, h("span.label", {}, t("auditor.reviewer_note")), " ", visit.review_note || "–"),
        ),
        revision
          ? h("span.badge", {}, t(revision.state === "sent" ? "outbox.state.sent" : "outbox.state.queued"))
          : h("a.button.primary", { href: `#/returned/${visit.id}` }, t("auditor.correct")),
      ),
    );
  }
  return section(t("auditor.returned"), list);
}

function draftsSection(drafts) {
  const list = h("ul.list");
  for (const draft of drafts) {
    list.append(
      h("li.item", {},
        h("div.item-main", {},
          h("strong", {}, draft.branch.name),
          h("span.muted", {}, ` ${draft.branch.code} · ${formatDate(draft.started_at)}`),
          draft.kind === "revision" ? h("span.badge", {}, t("visit.revision")) : null,
        ),
        h("a.button.secondary", { href: `#/visit/${draft.client_uuid}` }, t("auditor.continue")),
      ),
    );
  }
  return section(t("auditor.drafts"), list);
}

function assignmentsSection(result, local) {
  if (result.error) return section(t("auditor.assignments"), notice(errorText(result.error), "error"));
  const rows = result.data;
  if (!rows.length) return section(t("auditor.assignments"), h("p.muted", {}, t("auditor.no_assignments")));
  const list = h("ul.list", { id: "assignments" });
  for (const assignment of rows) {
    const draft = local.find((v) => v.assignment_id === assignment.id && v.state === "draft");
    const sent = local.find((v) => v.assignment_id === assignment.id && v.state !== "draft");
    list.append(
      h("li.item", {},
        h("div.item-main", {},
          h("strong", {}, assignment.branch.name),
          h("span.muted", {}, ` ${assignment.branch.code}`),
          h("p.scenario", {}, assignment.scenario),
          h("p.muted.small", {}, t("auditor.window", { from: formatDate(assignment.window_start), to: formatDate(assignment.window_end) })),
        ),
        sent
          ? h("span.badge", {}, t(`outbox.state.${sent.state}`))
          : draft
            ? h("a.button.secondary", { href: `#/visit/${draft.client_uuid}` }, t("auditor.continue"))
            : h("a.button.primary", { href: `#/new?assignment=${assignment.id}` }, t("auditor.start")),
      ),
    );
  }
  return section(t("auditor.assignments"), list);
}

// A few branches at first; the search narrows the rest (an auditor may cover a country).
const LIMIT = 8;

function branchesSection(branches, forms) {
  if (branches.error) return section(t("auditor.other_branch"), notice(errorText(branches.error), "error"));
  const formList = forms.error ? [] : forms.data;
  const search = h("input", { type: "search", id: "branch-search", placeholder: t("auditor.search_placeholder"), autocomplete: "off" });
  const formSelect = h("select", { id: "start-form" }, formList.map((f) => h("option", { value: f.key }, f.title)));
  const list = h("ul.list.compact");
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    clear(list);
    const rows = branches.data.filter((b) => !q || `${b.name} ${b.code} ${b.city}`.toLowerCase().includes(q));
    for (const branch of rows.slice(0, LIMIT)) {
      list.append(
        h("li.item", {},
          h("div.item-main", {}, h("strong", {}, branch.name), h("span.muted", {}, ` ${branch.code} · ${branch.city}`)),
          h("a.button.secondary", {
            href: "#",
            onclick: (event) => {
              event.preventDefault();
              location.hash = `#/new?branch=${branch.id}&form=${encodeURIComponent(formSelect.value)}`;
            },
            "aria-label": `${t("auditor.start")}: ${branch.name}`,
          }, t("auditor.start")),
        ),
      );
    }
    if (rows.length > LIMIT) list.append(h("li.muted.small", {}, t("auditor.more_branches", { count: rows.length - LIMIT })));
  };
  search.addEventListener("input", draw);
  draw();
  return section(
    t("auditor.other_branch"),
    h("div.filters", {},
      h("div.field", {}, h("label", { for: "branch-search" }, t("auditor.search")), search),
      formList.length ? h("div.field", {}, h("label", { for: "start-form" }, t("auditor.form")), formSelect) : null,
    ),
    list,
  );
}
