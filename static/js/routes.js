// Which page answers which hash path, per role. Views load on demand (dynamic import), so a
// phone parses only what it shows; the service worker has every file cached anyway.

const auditor = [
  [/^\/$/, () => import("./views/auditor.js").then((m) => m.renderHome)],
  [/^\/new$/, () => import("./views/visit.js").then((m) => m.renderNewVisit)],
  [/^\/visit\/([\w-]+)$/, () => import("./views/visit.js").then((m) => m.renderVisit)],
  [/^\/returned\/(\d+)$/, () => import("./views/visit.js").then((m) => m.renderReturned)],
  [/^\/outbox$/, () => import("./views/outbox.js").then((m) => m.renderOutbox)],
];

const managers = [
  [/^\/$/, () => import("./views/branches.js").then((m) => m.renderBranches)],
  [/^\/branch\/(\d+)$/, () => import("./views/branches.js").then((m) => m.renderBranch)],
];

const analysis = [
  [/^\/league$/, () => import("./views/league.js").then((m) => m.renderLeague)],
  [/^\/trends$/, () => import("./views/insights.js").then((m) => m.renderTrends)],
];

const hq = [
  [/^\/heatmap$/, () => import("./views/insights.js").then((m) => m.renderHeatmap)],
  [/^\/weakest$/, () => import("./views/insights.js").then((m) => m.renderWeakest)],
  [/^\/review$/, () => import("./views/review.js").then((m) => m.renderQueue)],
  [/^\/review\/(\d+)$/, () => import("./views/review.js").then((m) => m.renderReview)],
];

export function routes(role) {
  if (role === "auditor") return auditor;
  if (role === "branch_manager") return managers;
  if (role === "regional_manager") return [...managers, ...analysis];
  return [...managers, ...analysis, ...hq];
}
