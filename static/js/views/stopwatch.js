// The waiting-time stopwatch: start on joining the queue, stop when served. The running state
// is stored as a wall-clock start time in the draft, so it survives a locked screen or a reload.

import { h } from "../dom.js";
import { formatSeconds, t } from "../i18n.js";

// state: {running_since: ms|null, elapsed: seconds}; onStop(seconds) stores the answer.
export function stopwatch(state, { onChange, onStop, labelledBy }) {
  const display = h("output.stopwatch-display", { "aria-live": "off", "aria-labelledby": labelledBy }, "0:00");
  const startButton = h("button.primary.big", { type: "button" }, t("stopwatch.start"));
  const stopButton = h("button.danger.big", { type: "button" }, t("stopwatch.stop"));
  const resetButton = h("button.secondary", { type: "button" }, t("stopwatch.reset"));
  const announce = h("span.visually-hidden", { "aria-live": "polite" });
  let ticker = null;

  const seconds = () => state.elapsed + (state.running_since ? (Date.now() - state.running_since) / 1000 : 0);

  const draw = () => {
    display.textContent = formatSeconds(Math.floor(seconds()));
    startButton.hidden = Boolean(state.running_since);
    stopButton.hidden = !state.running_since;
    resetButton.hidden = Boolean(state.running_since) || !state.elapsed;
    startButton.textContent = state.elapsed ? t("stopwatch.resume") : t("stopwatch.start");
    if (!display.isConnected && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
  };
  const tick = () => {
    if (!ticker && state.running_since) ticker = setInterval(draw, 250);
    draw();
  };

  startButton.addEventListener("click", () => {
    state.running_since = Date.now();
    announce.textContent = t("stopwatch.started");
    onChange();
    tick();
    stopButton.focus();
  });
  stopButton.addEventListener("click", () => {
    state.elapsed = Math.round(seconds());
    state.running_since = null;
    clearInterval(ticker);
    ticker = null;
    announce.textContent = t("stopwatch.stopped", { time: formatSeconds(state.elapsed) });
    onStop(state.elapsed);
    draw();
    startButton.focus();
  });
  resetButton.addEventListener("click", () => {
    state.elapsed = 0;
    state.running_since = null;
    onChange();
    draw();
  });
  tick();
  return h("div.stopwatch", {}, display, h("div.stopwatch-buttons", {}, startButton, stopButton, resetButton), announce);
}
