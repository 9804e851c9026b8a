// The outbox: visits, revisions and photos waiting for the server. Each is stored in IndexedDB
// first and retried with the same client_uuid until the server confirms; the API makes a retry
// harmless (same uuid + same content -> the same visit back), so "send again" is always safe.

import { ApiError, post, request } from "./api.js";
import { allItems, deleteItem, getItem, putItem, updateItem } from "./db.js";

const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;
const KEEP_SENT_MS = 7 * 24 * 3600_000;

let userId = null;
let running = false;
let again = false;
let timer = null;
let failures = 0;
const listeners = new Set();
const progress = new Map(); // photo uuid -> 0..1 while uploading (kept in memory only)

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  for (const listener of listeners) listener();
}

export function uploadProgress(uuid) {
  return progress.get(uuid);
}

let started = false;

export function start(user) {
  userId = user.id;
  if (!started) {
    started = true;
    window.addEventListener("online", () => syncNow());
    // A phone often says "online" without a working connection: keep trying quietly.
    setInterval(() => {
      if (navigator.onLine) syncNow();
    }, 30_000);
  }
  pruneSent();
  syncNow();
}

export function stop() {
  userId = null;
  clearTimeout(timer);
}

// --- records -------------------------------------------------------------------------------

export async function myVisits() {
  const rows = await allItems("visits");
  return rows.filter((row) => row.user_id === userId);
}

export async function myPhotos() {
  const rows = await allItems("photos");
  return rows.filter((row) => row.user_id === userId);
}

export async function counts() {
  const visits = await myVisits();
  const by = (state) => visits.filter((v) => v.state === state).length;
  return { queued: by("queued"), refused: by("refused"), drafts: by("draft"), sent: by("sent") };
}

export function getVisit(uuid) {
  return getItem("visits", uuid);
}

export async function saveVisit(visit) {
  visit.updated_at = new Date().toISOString();
  await putItem("visits", visit);
  notify();
  return visit;
}

// A save from the form page: never overwrite a visit that meanwhile went to the outbox (a
// late debounced save must not turn "refused" or "sent" back into something else).
export async function saveDraft(visit) {
  const stored = await getItem("visits", visit.client_uuid);
  if (stored && !["draft", "refused"].includes(stored.state)) return stored;
  if (stored) visit.state = stored.state;
  return saveVisit(visit);
}

export async function queueVisit(visit) {
  visit.state = "queued";
  visit.error = null;
  visit.queued_at = new Date().toISOString();
  await saveVisit(visit);
  failures = 0;
  syncNow();
}

export async function discardVisit(uuid) {
  const visit = await getItem("visits", uuid);
  if (visit) {
    for (const ref of allPhotoRefs(visit)) if (ref.uuid) await deleteItem("photos", ref.uuid);
  }
  await deleteItem("visits", uuid);
  notify();
}

export async function addPhoto(record) {
  await putItem("photos", { ...record, user_id: userId, state: "local", server_id: null });
  notify();
  syncNow(); // upload right away when there is a network: the auditor sees progress early
}

export async function removePhoto(uuid) {
  progress.delete(uuid);
  await deleteItem("photos", uuid);
  notify();
}

export function getPhoto(uuid) {
  return getItem("photos", uuid);
}

function allPhotoRefs(visit) {
  return Object.values(visit.answers || {}).flatMap((answer) => answer.photos || []);
}

// --- sending -------------------------------------------------------------------------------

export function syncNow() {
  if (!userId) return;
  if (running) {
    again = true;
    return;
  }
  running = true;
  clearTimeout(timer);
  run()
    .catch((error) => console.warn("sync failed", error))
    .finally(() => {
      running = false;
      notify();
      if (again) {
        again = false;
        syncNow();
      }
    });
}

async function run() {
  let transient = false;
  const photos = (await myPhotos()).filter((p) => p.state === "local");
  for (const photo of photos) {
    transient = !(await sendPhoto(photo)) || transient;
  }
  const queued = (await myVisits())
    .filter((v) => v.state === "queued")
    .sort((a, b) => String(a.queued_at).localeCompare(String(b.queued_at)));
  for (const visit of queued) {
    transient = !(await sendVisit(visit)) || transient;
  }
  if (transient) {
    failures += 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (failures - 1));
    timer = setTimeout(syncNow, delay);
  } else {
    failures = 0;
  }
}

// true when the photo reached a final state (complete or rejected), false to retry later.
async function sendPhoto(photo) {
  try {
    const reservation = await post("/photos", {
      content_type: photo.content_type,
      client_uuid: photo.uuid,
    });
    const serverPhoto = reservation.photo;
    if (serverPhoto.status === "reserved") {
      progress.set(photo.uuid, 0);
      notify();
      await upload(reservation, photo, (share) => {
        progress.set(photo.uuid, share);
        notify();
      });
      const completed = await post(`/photos/${serverPhoto.id}/complete`);
      if (completed.status === "rejected") throw new ApiError(422, { message: completed.rejection });
    }
    progress.delete(photo.uuid);
    await updateItem("photos", photo.uuid, (p) => {
      p.state = "complete";
      p.server_id = serverPhoto.id;
      p.error = null;
    });
    return true;
  } catch (error) {
    progress.delete(photo.uuid);
    if (error instanceof ApiError && !error.transient && error.status !== 401) {
      // The server refused this picture for good (not an image, too large): say so on it.
      await updateItem("photos", photo.uuid, (p) => {
        p.state = "rejected";
        p.error = error.message;
      });
      return true;
    }
    await updateItem("photos", photo.uuid, (p) => {
      p.error = error.message;
    });
    return false;
  }
}

// Bytes go where the reservation says: a presigned POST (S3), a PUT (local storage), or the
// API's own streaming endpoint. XMLHttpRequest because fetch() cannot report upload progress.
function upload(reservation, photo, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const target = reservation.upload;
    let body = photo.blob;
    if (target && target.method === "POST") {
      xhr.open("POST", target.url);
      body = new FormData();
      for (const [name, value] of Object.entries(target.fields || {})) body.append(name, value);
      body.append("file", photo.blob, `${photo.uuid}.jpg`);
    } else if (target) {
      xhr.open(target.method || "PUT", target.url);
      for (const [name, value] of Object.entries(target.headers || {})) {
        xhr.setRequestHeader(name, value);
      }
    } else {
      xhr.open("PUT", reservation.content_url);
      xhr.setRequestHeader("Content-Type", photo.content_type);
      const token = sessionStorage.getItem("ms.token") || localStorage.getItem("ms.token");
      if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new ApiError(xhr.status >= 500 ? xhr.status : 0, { message: `upload ${xhr.status}` }, { network: true }));
    };
    xhr.onerror = () => reject(new ApiError(0, { message: "upload failed" }, { network: true }));
    xhr.send(body);
  });
}

// The body the API expects, with our local photo references turned into server photo ids.
export async function visitBody(visit) {
  const answers = {};
  for (const [key, answer] of Object.entries(visit.answers || {})) {
    const photoIds = [];
    for (const ref of answer.photos || []) {
      if (ref.id) photoIds.push(ref.id);
      else {
        const photo = await getItem("photos", ref.uuid);
        if (!photo || photo.state !== "complete") return null;
        photoIds.push(photo.server_id);
      }
    }
    const hasValue = answer.value !== undefined && answer.value !== null && answer.value !== "";
    if (!hasValue && !photoIds.length && !answer.comment) continue;
    answers[key] = { value: hasValue ? answer.value : null };
    if (answer.comment) answers[key].comment = answer.comment;
    if (photoIds.length) answers[key].photo_ids = photoIds;
  }
  const body = {
    started_at: visit.started_at,
    ended_at: visit.ended_at,
    waiting_seconds: visit.waiting_seconds ?? null,
    answers,
    gps: visit.gps || null,
    device: navigator.userAgent.slice(0, 200),
    app_version: "web-1",
  };
  if (visit.kind === "revision") {
    body.revision_uuid = visit.revision_uuid;
  } else {
    Object.assign(body, {
      client_uuid: visit.client_uuid,
      branch_id: visit.branch.id,
      form_key: visit.form_key,
      form_version: visit.form_version,
      assignment_id: visit.assignment_id || null,
    });
  }
  return body;
}

// true when the visit reached a final state (sent or refused), false to retry later.
async function sendVisit(visit) {
  const body = await visitBody(visit);
  if (!body) {
    // A photo is still on its way (or was refused): the visit waits for it.
    const refs = allPhotoRefs(visit).filter((ref) => ref.uuid);
    for (const ref of refs) {
      const photo = await getItem("photos", ref.uuid);
      if (photo && photo.state === "rejected") {
        await refuse(visit, new ApiError(422, { message: photo.error || "photo rejected" }), true);
        return true;
      }
    }
    return false;
  }
  const path = visit.kind === "revision" ? `/visits/${visit.visit_id}/revisions` : "/visits";
  try {
    const saved = await request("POST", path, { body });
    await updateItem("visits", visit.client_uuid, (v) => {
      v.state = "sent";
      v.sent_at = new Date().toISOString();
      v.server_visit_id = saved.id;
      v.server_status = saved.status;
      v.score = saved.score ? saved.score.display : null;
      v.error = null;
    });
    return true;
  } catch (error) {
    if (error instanceof ApiError && !error.transient && error.status !== 401) {
      await refuse(visit, error, false);
      return true;
    }
    await updateItem("visits", visit.client_uuid, (v) => {
      v.attempts = (v.attempts || 0) + 1;
      v.last_error = error.message;
    });
    return false;
  }
}

async function refuse(visit, error, photo) {
  await updateItem("visits", visit.client_uuid, (v) => {
    v.state = "refused";
    v.error = { status: error.status, message: error.message, errors: error.errors, photo };
  });
}

async function pruneSent() {
  const now = Date.now();
  for (const visit of await myVisits()) {
    if (visit.state === "sent" && now - Date.parse(visit.sent_at) > KEEP_SENT_MS) {
      await discardVisit(visit.client_uuid);
    }
  }
}
