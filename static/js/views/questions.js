// One control per question type: big yes / no / n.a. buttons, a scale, choices, the stopwatch
// for durations, numbers, free text and photos. Radio groups are native inputs, so arrow keys,
// screen readers and labels work without extra code.

import { getBlob } from "../api.js";
import { clear, h, svg, toast, uid } from "../dom.js";
import { formatSeconds, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { downscale } from "../photos.js";
import { stopwatch } from "./stopwatch.js";

export function isAnswered(question, answer) {
  if (!answer) return false;
  if (question.type === "photo") return (answer.photos || []).length > 0;
  return answer.value !== undefined && answer.value !== null && answer.value !== "";
}

// Earns nothing: a comment may be required (comment_required_when_failed).
export function isFailed(question, answer) {
  if (!answer || answer.value === "na" || !isAnswered(question, answer)) return false;
  const value = answer.value;
  switch (question.type) {
    case "yes_no":
      return value === "no";
    case "scale":
      return Number(value) === Number(question.min);
    case "choice":
      return (question.options || []).some((o) => o.key === value && Number(o.points) === 0);
    case "duration":
    case "number": {
      const band = (question.bands || []).find((b, i) => (i === 0 ? Number(value) >= b.from : Number(value) > b.from) && (b.to === undefined || b.to === null || Number(value) <= b.to));
      return Boolean(band) && Number(band.share) === 0;
    }
    default:
      return false;
  }
}

// Problems the phone can see before sending; the server's verdict still decides.
export function localProblems(question, answer) {
  const problems = [];
  const answered = isAnswered(question, answer);
  if (question.required && !answered) problems.push(t("check.required"));
  if (question.comment_required_when_failed && isFailed(question, answer) && !(answer.comment || "").trim()) {
    problems.push(t("check.comment_required"));
  }
  const photos = (answer && answer.photos) || [];
  if (question.photo_required && answered && answer.value !== "na" && !photos.length) problems.push(t("check.photo_required"));
  if (question.type === "photo" && photos.length < (question.min_photos || 1) && (question.required || photos.length)) {
    if (!problems.length) problems.push(t("check.photo_required"));
  }
  return problems;
}

function radioGroup({ name, options, value, onPick, className = "choices", labelledBy = null }) {
  const group = h(`div.${className}`, { role: "radiogroup", "aria-labelledby": labelledBy });
  for (const option of options) {
    const input = h("input", { type: "radio", name, value: String(option.value), checked: String(value) === String(option.value) });
    input.addEventListener("change", () => onPick(option.value));
    group.append(h(`label.choice${option.kind ? `.choice-${option.kind}` : ""}`, {}, input, h("span", {}, option.label)));
  }
  return group;
}

// -> a <fieldset> for the question. ctx: {draft, answer(key), change(), serverErrors}
export function renderQuestion(question, ctx) {
  const answer = ctx.answer(question.key);
  const id = uid("q");
  const legendId = `${id}-legend`;
  const fieldset = h("fieldset.question", { id: `question-${question.key}`, dataset: { key: question.key, type: question.type } });
  const legend = h("legend", { id: legendId },
    h("span", {}, question.label),
    question.required ? h("span.required", { title: t("visit.required") }, " *") : null,
  );
  fieldset.append(legend);
  const badges = h("div.badges");
  if (question.critical) badges.append(h("span.badge.critical", {}, t("visit.critical")));
  if (question.photo_required) badges.append(h("span.badge", {}, t("visit.photo_needed")));
  if (badges.childNodes.length) fieldset.append(badges);
  if (question.help) fieldset.append(h("p.help", {}, question.help));

  const refresh = () => {
    ctx.change(question.key);
    drawExtras();
  };
  const setValue = (value) => {
    answer.value = value;
    refresh();
  };

  fieldset.append(control(question, answer, { id, legendId, setValue, refresh, ctx }));

  const extras = h("div.extras");
  fieldset.append(extras);
  const problemsEl = h("div.problems", { "aria-live": "polite" });
  fieldset.append(problemsEl);

  let commentOpen = Boolean(answer.comment);
  const drawExtras = () => {
    clear(extras);
    const scored = !["text", "photo"].includes(question.type);
    const needComment = question.comment_required_when_failed && isFailed(question, answer);
    if (scored) {
      if (commentOpen || needComment) {
        const commentId = `${id}-comment`;
        const area = h("textarea", { id: commentId, rows: 2, maxlength: 4000, value: answer.comment || "" });
        area.addEventListener("input", () => {
          answer.comment = area.value;
          ctx.change(question.key);
          drawProblems();
        });
        extras.append(h("div.field", {},
          h("label", { for: commentId }, needComment ? `${t("visit.comment")} *` : t("visit.comment")),
          needComment ? h("p.hint", {}, t("visit.comment_needed")) : null,
          area));
      } else {
        extras.append(h("button.link", { type: "button", onclick: () => { commentOpen = true; drawExtras(); extras.querySelector("textarea").focus(); } }, t("visit.add_comment")));
      }
    }
    if (question.type === "photo" || question.photo_required) extras.append(photoArea(question, answer, ctx));
    drawProblems();
  };
  const drawProblems = () => {
    clear(problemsEl);
    const server = (ctx.serverErrors && ctx.serverErrors[question.key]) || [];
    const local = ctx.showProblems ? localProblems(question, answer) : [];
    for (const text of [...new Set([...server, ...local])]) problemsEl.append(h("p.problem", {}, text));
    fieldset.classList.toggle("has-problem", problemsEl.childNodes.length > 0);
  };
  drawExtras();
  return fieldset;
}

function control(question, answer, { id, legendId, setValue, ctx }) {
  const name = `${id}-value`;
  const na = question.allow_na ? [{ value: "na", label: t("answer.na"), kind: "na" }] : [];
  switch (question.type) {
    case "yes_no":
      return radioGroup({
        name,
        value: answer.value,
        onPick: setValue,
        className: "choices.yes-no",
        labelledBy: legendId,
        options: [{ value: "yes", label: t("answer.yes"), kind: "yes" }, { value: "no", label: t("answer.no"), kind: "no" }, ...na],
      });
    case "scale": {
      const labels = question.scale_labels || {};
      const options = [];
      for (let v = question.min; v <= question.max; v += 1) options.push({ value: v, label: String(v) });
      const group = radioGroup({ name, value: answer.value, onPick: (v) => setValue(v === "na" ? "na" : Number(v)), className: "choices.scale", options: [...options, ...na], labelledBy: legendId });
      const ends = h("div.scale-labels", {},
        h("span", {}, labels[question.min] ? `${question.min}: ${labels[question.min]}` : ""),
        h("span", {}, labels[question.max] ? `${question.max}: ${labels[question.max]}` : ""));
      const middle = Object.entries(labels).filter(([k]) => Number(k) !== question.min && Number(k) !== question.max);
      return h("div", {}, group, ends, middle.length ? h("p.hint", {}, middle.map(([k, v]) => `${k}: ${v}`).join(" · ")) : null);
    }
    case "choice":
      return radioGroup({
        name,
        value: answer.value,
        onPick: setValue,
        className: "choices.options",
        labelledBy: legendId,
        options: [...(question.options || []).map((o) => ({ value: o.key, label: o.label })), ...na],
      });
    case "duration":
      return durationControl(question, answer, { id, legendId, setValue, ctx });
    case "number": {
      const input = h("input", { type: "number", id: `${id}-number`, inputmode: "decimal", min: question.min, max: question.max, step: "any", value: answer.value === "na" ? "" : answer.value ?? "" });
      input.addEventListener("input", () => setValue(input.value === "" ? null : Number(input.value)));
      return h("div.field.inline", {},
        h("label", { for: input.id }, question.unit ? t("visit.value_in", { unit: question.unit }) : t("visit.value")),
        input,
        question.allow_na ? naCheckbox(answer, setValue, input) : null);
    }
    case "text": {
      const area = h("textarea", { id: `${id}-text`, rows: 4, maxlength: question.max_length || 4000, "aria-labelledby": legendId, value: answer.value || "" });
      area.addEventListener("input", () => setValue(area.value));
      return area;
    }
    case "photo":
      return h("span");
    default:
      return h("p.muted", {}, question.type);
  }
}

function naCheckbox(answer, setValue, input) {
  const box = h("input", { type: "checkbox", id: uid("na"), checked: answer.value === "na" });
  box.addEventListener("change", () => {
    input.disabled = box.checked;
    setValue(box.checked ? "na" : input.value === "" ? null : Number(input.value));
  });
  input.disabled = box.checked;
  return h("span.check", {}, box, h("label", { for: box.id }, t("answer.na")));
}

function durationControl(question, answer, { id, legendId, setValue, ctx }) {
  const draft = ctx.draft;
  draft.stopwatch = draft.stopwatch || {};
  const state = draft.stopwatch[question.key] || (draft.stopwatch[question.key] = { running_since: null, elapsed: 0 });
  const seconds = h("input", {
    type: "number", id: `${id}-seconds`, min: 0, max: 86400, step: 1, inputmode: "numeric",
    value: answer.value === "na" || answer.value === undefined || answer.value === null ? "" : answer.value,
  });
  const readable = h("span.muted", { id: `${id}-readable` }, typeof answer.value === "number" ? `= ${formatSeconds(answer.value)}` : "");
  const store = (value) => {
    readable.textContent = typeof value === "number" ? `= ${formatSeconds(value)}` : "";
    if (ctx.isWaiting(question.key)) draft.waiting_seconds = typeof value === "number" ? value : null;
    setValue(value);
  };
  seconds.addEventListener("input", () => store(seconds.value === "" ? null : Math.max(0, Math.round(Number(seconds.value)))));
  const watch = stopwatch(state, {
    labelledBy: legendId,
    onChange: () => ctx.change(question.key),
    onStop: (value) => {
      seconds.value = value;
      store(value);
    },
  });
  return h("div.duration", {},
    watch,
    h("div.field.inline", {},
      h("label", { for: seconds.id }, t("stopwatch.seconds")),
      seconds,
      readable,
      question.allow_na ? naCheckbox(answer, (v) => store(v), seconds) : null),
    h("p.hint", {}, t("stopwatch.hint")));
}

// Thumbnails with upload progress, a camera button and remove buttons.
function photoArea(question, answer, ctx) {
  answer.photos = answer.photos || [];
  const max = question.max_photos || 20;
  const area = h("div.photos");
  const grid = h("ul.thumbs", { "aria-label": t("photo.list") });
  const inputId = uid("photo");
  const input = h("input", { type: "file", id: inputId, accept: "image/*", capture: "environment", class: "visually-hidden", dataset: { question: question.key } });
  const label = h("label.button.secondary.camera", { for: inputId }, cameraIcon(), t("photo.take"));
  input.addEventListener("change", async () => {
    for (const file of [...input.files]) {
      if (answer.photos.length >= max) break;
      try {
        const small = await downscale(file);
        const uuid = ctx.newUuid();
        await outbox.addPhoto({
          uuid,
          visit_uuid: ctx.draft.client_uuid,
          question_key: question.key,
          blob: small.blob,
          content_type: small.content_type,
          width: small.width,
          height: small.height,
          size: small.blob.size,
          created_at: new Date().toISOString(),
        });
        answer.photos.push({ uuid });
      } catch (error) {
        toast(t("photo.unreadable"), "error");
      }
    }
    input.value = "";
    ctx.change(question.key);
    draw();
  });

  const draw = () => {
    clear(grid);
    answer.photos.forEach((ref, index) => grid.append(thumbnail(ref, index, () => {
      answer.photos.splice(index, 1);
      if (ref.uuid) outbox.removePhoto(ref.uuid);
      ctx.change(question.key);
      draw();
      label.focus();
    })));
    label.hidden = answer.photos.length >= max;
  };
  draw();
  area.append(grid, input, label);
  return area;
}

const objectUrls = new Map();

function thumbnail(ref, index, onRemove) {
  const img = h("img", { alt: t("photo.alt", { n: index + 1 }), width: 96, height: 96 });
  const status = h("span.thumb-status");
  const bar = h("progress", { max: 1, value: 0, hidden: true, "aria-label": t("photo.progress", { n: index + 1 }) });
  const item = h("li.thumb", { dataset: { uuid: ref.uuid || "", id: ref.id || "" } }, img, bar, status,
    h("button.remove", { type: "button", onclick: onRemove, "aria-label": t("photo.remove", { n: index + 1 }), title: t("photo.remove", { n: index + 1 }) }, "×"));
  if (ref.uuid) {
    outbox.getPhoto(ref.uuid).then((photo) => {
      if (!photo) return;
      if (!objectUrls.has(ref.uuid)) objectUrls.set(ref.uuid, URL.createObjectURL(photo.blob));
      img.src = objectUrls.get(ref.uuid);
      updateThumb(item, photo);
    });
  } else if (ref.id) {
    status.textContent = t("photo.uploaded");
    getBlob(`/photos/${ref.id}/thumbnail`).then(({ blob }) => { img.src = URL.createObjectURL(blob); }).catch(() => { img.alt = t("photo.unavailable"); });
  }
  return item;
}

// Called by the visit page whenever the outbox reports a change (upload progress).
export function updateThumb(item, photo) {
  const bar = item.querySelector("progress");
  const status = item.querySelector(".thumb-status");
  const share = outbox.uploadProgress(photo.uuid);
  bar.hidden = share === undefined;
  if (share !== undefined) bar.value = share;
  item.dataset.state = photo.state;
  if (photo.state === "complete") status.textContent = t("photo.uploaded");
  else if (photo.state === "rejected") status.textContent = `${t("photo.rejected")}: ${photo.error || ""}`;
  else if (share !== undefined) status.textContent = t("photo.uploading", { percent: Math.round(share * 100) });
  else status.textContent = t("photo.waiting");
}

function cameraIcon() {
  return svg("svg", { viewBox: "0 0 24 24", width: 22, height: 22, "aria-hidden": "true", focusable: "false" },
    svg("path", { d: "M4 7h3l2-3h6l2 3h3a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linejoin": "round" }),
    svg("circle", { cx: 12, cy: 13, r: 4, fill: "none", stroke: "currentColor", "stroke-width": 2 }));
}
