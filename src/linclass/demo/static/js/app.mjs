// The page: state, controls, the points table, pointer and keyboard interaction, the update loop.
// window.linclassDemo exposes the state for the browser tests (tests/test_demo_browser.py).

import { DATASETS, N_CLASSES, randomParams } from "./data.mjs";
import { language, languageFromUrl, setLanguage, t, translate } from "./i18n.mjs";
import { LOSSES } from "./losses.mjs";
import { FEATURES, featureRows, objective, step } from "./model.mjs";
import { COLORS, VIEW, drawHistory, drawScene, toWorld } from "./plot.mjs";

const $ = (id) => document.getElementById(id);
const HISTORY_MAX = 2000;
const STEPS_PER_FRAME = 2;
const HIT_PX = 10;

const state = {
  dataset: "blobs",
  dataSeed: 1,
  paramSeed: 3,
  points: [],
  W: [],
  b: [],
  loss: "svm",
  margin: 1.0,
  regStrength: 0.01,
  lr: 0.1,
  features: "xy",
  newClass: 0,
  history: [],
  updates: 0,
  running: false,
  hot: -1,
};
let result = null;
let scene = null;
let drag = null;
let frame = 0;

// ---- computation -------------------------------------------------------------------------

function compute() {
  const X = featureRows(state.points, state.features);
  const y = state.points.map((p) => p.label);
  result = objective(state.W, state.b, X, y, {
    loss: state.loss, margin: state.margin, regStrength: state.regStrength,
  });
  return result;
}

function update(times = 1) {
  for (let t = 0; t < times; t++) {
    const r = compute();
    ({ W: state.W, b: state.b } = step(state.W, state.b, r.dW, r.db, state.lr));
    state.updates += 1;
    state.history.push(compute().totalLoss);
  }
  if (state.history.length > HISTORY_MAX) state.history.splice(0, state.history.length - HISTORY_MAX);
  render();
}

function restart() {
  ({ W: state.W, b: state.b } = randomParams(state.paramSeed, 2));
  state.paramSeed += 1;
  resetHistory();
}

function loadDataset(name) {
  state.dataset = name;
  state.points = DATASETS[name].make(state.dataSeed);
  state.hot = -1;
  resetHistory();
}

function resetHistory() {
  state.history = [compute().totalLoss];
  state.updates = 0;
}

// ---- rendering ---------------------------------------------------------------------------

function render() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    compute();
    scene = drawScene($("view"), { ...state, result });
    drawHistory($("history"), state.history, (max, now) => t("history_text", { max, now }));
    renderNumbers();
    renderParams();
    renderTable();
  });
}

const fmt = (v, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : "–");

function renderNumbers() {
  $("data-loss").textContent = fmt(result.dataLoss, 4);
  $("reg-loss").textContent = fmt(result.regLoss, 4);
  $("total-loss").textContent = fmt(result.totalLoss, 4);
  for (const [id, v] of [["data-loss", result.dataLoss], ["reg-loss", result.regLoss], ["total-loss", result.totalLoss]]) {
    $(id).dataset.value = String(v);
  }
  $("accuracy").textContent = `${result.correct} / ${state.points.length}`;
  $("accuracy").dataset.value = String(result.correct);
  $("n-updates").textContent = String(state.updates);
  $("margin").disabled = state.loss === "softmax";
  const names = FEATURES[state.features].names;
  document.querySelectorAll("th.fname").forEach((th, d) => { th.textContent = `w·${names[d]}`; });
  $("view-note").textContent = t(state.features === "xy" ? "note_xy" : "note_polar");
}

function buildParams() {
  const body = $("params");
  body.replaceChildren();
  for (let k = 0; k < N_CLASSES; k++) {
    const tr = document.createElement("tr");
    tr.className = `k${k}`;
    tr.innerHTML = `<th scope="row"><span class="swatch"></span>${k}</th>`;
    for (let d = 0; d <= 2; d++) {
      const td = document.createElement("td");
      const input = document.createElement("input");
      input.type = "number";
      input.step = "0.1";
      input.id = d < 2 ? `W-${k}-${d}` : `b-${k}`;
      input.addEventListener("input", () => {
        const v = Number.parseFloat(input.value);
        if (!Number.isFinite(v)) { input.setAttribute("aria-invalid", "true"); return; }
        input.removeAttribute("aria-invalid");
        if (d < 2) state.W[k][d] = v; else state.b[k] = v;
        render();
      });
      td.append(input);
      tr.append(td);
    }
    body.append(tr);
  }
}

function renderParams() {
  for (let k = 0; k < N_CLASSES; k++) {
    for (let d = 0; d <= 2; d++) {
      const input = $(d < 2 ? `W-${k}-${d}` : `b-${k}`);
      const v = d < 2 ? state.W[k][d] : state.b[k];
      if (document.activeElement !== input) input.value = v.toFixed(3);
    }
  }
}

let tableSize = -1;

function buildTable() {
  const body = $("rows");
  body.replaceChildren();
  if (!state.points.length) {
    const td = document.createElement("td");
    td.colSpan = 10;
    td.className = "empty";
    td.textContent = t("no_points");
    body.append(document.createElement("tr"));
    body.firstChild.append(td);
  }
  state.points.forEach((p, i) => {
    const tr = document.createElement("tr");
    tr.dataset.index = String(i);
    tr.className = `k${p.label}`;
    tr.innerHTML = `<td>${i}</td><td class="label"><span class="swatch"></span>${p.label}</td>`
      + `<td class="x"></td><td class="y"></td>`
      + `<td class="score"></td><td class="score"></td><td class="score"></td>`
      + `<td class="loss"></td><td class="share"><span class="share"><i></i><span></span></span></td>`
      + `<td><button type="button">✕</button></td>`;
    tr.querySelector("button").setAttribute("aria-label", t("remove_point", { i }));
    tr.querySelector("button").addEventListener("click", () => removePoint(i));
    tr.addEventListener("pointerenter", () => { state.hot = i; render(); });
    body.append(tr);
  });
  tableSize = state.points.length;
}

function renderTable() {
  if (tableSize !== state.points.length) buildTable();
  const rows = $("rows").children;
  const maxShare = Math.max(...result.share, 0) || 1;
  state.points.forEach((p, i) => {
    const tr = rows[i];
    tr.classList.toggle("hot", i === state.hot);
    const set = (td, v, digits) => { td.textContent = fmt(v, digits); td.dataset.value = String(v); };
    set(tr.querySelector(".x"), p.x, 2);
    set(tr.querySelector(".y"), p.y, 2);
    const scores = result.scores[i];
    const top = scores.indexOf(Math.max(...scores));
    tr.querySelectorAll(".score").forEach((td, k) => {
      set(td, scores[k], 2);
      td.classList.toggle("correct", k === p.label);
      td.classList.toggle("wrong-top", k === top && k !== p.label);
    });
    set(tr.querySelector(".loss"), result.perPoint[i], 3);
    const share = tr.querySelector("td.share");
    share.dataset.value = String(result.share[i]);
    share.querySelector("i").style.width = `${((50 * result.share[i]) / maxShare).toFixed(1)}px`;
    share.querySelector("span span").textContent = `${(100 * result.share[i]).toFixed(1)}%`;
  });
}

// ---- data editing ------------------------------------------------------------------------

function addPoint(x, y) {
  state.points.push({ x, y, label: state.newClass });
  state.hot = state.points.length - 1;
  render();
}

function removePoint(i) {
  state.points.splice(i, 1);
  state.hot = Math.min(state.hot, state.points.length - 1);
  tableSize = -1;
  render();
}

const clampView = (v) => Math.max(-VIEW, Math.min(VIEW, v));

function pointerPos(event) {
  const rect = $("view").getBoundingClientRect();
  return [event.clientX - rect.left, event.clientY - rect.top];
}

function hitTest(px, py) {
  const near = (q) => q && Math.hypot(q[0] - px, q[1] - py) <= HIT_PX;
  if (scene) {
    for (let k = N_CLASSES - 1; k >= 0; k--) {
      const h = scene.handles[k];
      if (h && near(h.tip)) return { kind: "tip", k };
      if (h && near(h.base)) return { kind: "base", k };
    }
  }
  for (let i = state.points.length - 1; i >= 0; i--) {
    const p = state.points[i];
    const q = [((p.x + VIEW) / (2 * VIEW)) * scene.size, ((VIEW - p.y) / (2 * VIEW)) * scene.size];
    if (near(q)) return { kind: "point", i };
  }
  return null;
}

function onPointerDown(event) {
  if (event.button === 2) return;
  const [px, py] = pointerPos(event);
  const hit = hitTest(px, py);
  if (!hit) {
    const [x, y] = toWorld(px, py, scene.size);
    addPoint(x, y);
    return;
  }
  if (hit.kind === "point" && event.shiftKey) { removePoint(hit.i); return; }
  if (hit.kind === "point") state.hot = hit.i;
  drag = hit;
  $("view").setPointerCapture(event.pointerId);
  $("view").classList.add("grabbing");
  render();
}

function onPointerMove(event) {
  const [px, py] = pointerPos(event);
  const view = $("view");
  if (!drag) {
    view.classList.toggle("grab", Boolean(hitTest(px, py)));
    return;
  }
  const [x, y] = toWorld(px, py, scene.size).map(clampView);
  if (drag.kind === "point") {
    Object.assign(state.points[drag.i], { x, y });
  } else {
    const w = state.W[drag.k];
    if (drag.kind === "base") {
      state.b[drag.k] = -(w[0] * x + w[1] * y); // the line now passes through the pointer
    } else {
      const p = scene.handles[drag.k].p; // rotate about the base, keeping |w_k|
      const d = Math.hypot(x - p[0], y - p[1]);
      if (d > 1e-6) {
        const n = Math.hypot(w[0], w[1]);
        state.W[drag.k] = [(n * (x - p[0])) / d, (n * (y - p[1])) / d];
        state.b[drag.k] = -(state.W[drag.k][0] * p[0] + state.W[drag.k][1] * p[1]);
      }
    }
  }
  render();
}

function onPointerUp() {
  drag = null;
  $("view").classList.remove("grabbing");
}

function onContextMenu(event) {
  const hit = hitTest(...pointerPos(event));
  if (hit && hit.kind === "point") {
    event.preventDefault();
    removePoint(hit.i);
  }
}

// Keyboard on the canvas: n/p select the next/previous point, arrows move it, Delete removes it.
function onKey(event) {
  const n = state.points.length;
  const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  if ((event.key === "n" || event.key === "p") && n) {
    state.hot = ((state.hot < 0 ? -1 : state.hot) + (event.key === "n" ? 1 : n - 1)) % n;
  } else if (keys[event.key] && state.hot >= 0) {
    const [dx, dy] = keys[event.key];
    const p = state.points[state.hot];
    p.x = clampView(p.x + 0.1 * dx);
    p.y = clampView(p.y + 0.1 * dy);
  } else if ((event.key === "Delete" || event.key === "Backspace") && state.hot >= 0) {
    removePoint(state.hot);
  } else {
    return;
  }
  event.preventDefault();
  render();
}

// ---- controls ----------------------------------------------------------------------------

function numberInput(id, key, ok) {
  $(id).value = String(state[key]);
  $(id).addEventListener("input", () => {
    const v = Number.parseFloat($(id).value);
    if (!Number.isFinite(v) || !ok(v)) { $(id).setAttribute("aria-invalid", "true"); return; }
    $(id).removeAttribute("aria-invalid");
    state[key] = v;
    render();
  });
}

function setRunning(on) {
  state.running = on;
  $("run").setAttribute("aria-pressed", String(on));
  $("run").textContent = t(on ? "run_stop" : "run_start");
  if (on) requestAnimationFrame(tick);
}

function tick() {
  if (!state.running) return;
  update(STEPS_PER_FRAME);
  requestAnimationFrame(tick);
}

function initControls() {
  for (const name of Object.keys(LOSSES)) $("loss").add(new Option("", name));
  $("loss").value = state.loss;
  $("loss").addEventListener("change", () => { state.loss = $("loss").value; render(); });
  for (const name of Object.keys(DATASETS)) $("dataset").add(new Option("", name));
  $("dataset").value = state.dataset;
  $("dataset").addEventListener("change", () => { loadDataset($("dataset").value); tableSize = -1; render(); });
  numberInput("margin", "margin", (v) => v > 0);
  numberInput("reg", "regStrength", (v) => v >= 0);
  numberInput("lr", "lr", (v) => v >= 0);
  $("polar").addEventListener("change", () => {
    state.features = $("polar").checked ? "polar" : "xy";
    resetHistory();
    render();
  });
  $("step").addEventListener("click", () => update(1));
  $("run").addEventListener("click", () => setRunning(!state.running));
  $("restart").addEventListener("click", () => { restart(); render(); });
  const group = document.querySelector(".classes");
  for (let k = 0; k < N_CLASSES; k++) {
    const label = document.createElement("label");
    label.className = `k${k}`;
    label.innerHTML = `<input type="radio" name="new-class" value="${k}"${k === 0 ? " checked" : ""}>`
      + `<span class="swatch"></span><span class="class-name"></span>`;
    label.querySelector("input").addEventListener("change", () => { state.newClass = k; });
    group.append(label);
  }
  $("add").addEventListener("click", () => {
    const x = Number.parseFloat($("add-x").value);
    const y = Number.parseFloat($("add-y").value);
    if (Number.isFinite(x) && Number.isFinite(y)) addPoint(clampView(x), clampView(y));
  });
  const view = $("view");
  view.addEventListener("pointerdown", onPointerDown);
  view.addEventListener("pointermove", onPointerMove);
  view.addEventListener("pointerup", onPointerUp);
  view.addEventListener("pointercancel", onPointerUp);
  view.addEventListener("contextmenu", onContextMenu);
  view.addEventListener("keydown", onKey);
  window.addEventListener("resize", render);
  for (const button of document.querySelectorAll(".lang button")) {
    button.addEventListener("click", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("lang", button.dataset.lang);
      window.history.replaceState(null, "", url);
      setLanguage(button.dataset.lang);
      applyLanguage();
    });
  }
}

// Every string of the page in the current language: the HTML's keys and the scripts' strings.
function applyLanguage() {
  document.documentElement.lang = language();
  translate(document);
  for (const button of document.querySelectorAll(".lang button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === language()));
  }
  for (const option of $("loss").options) option.textContent = t(`loss_${option.value}`);
  for (const option of $("dataset").options) option.textContent = t(`dataset_${option.value}`);
  document.querySelectorAll(".classes .class-name").forEach((span, k) => {
    span.textContent = t("class_k", { k });
  });
  for (let k = 0; k < N_CLASSES; k++) {
    for (let d = 0; d < 2; d++) $(`W-${k}-${d}`).setAttribute("aria-label", t("weight_input", { k, d }));
    $(`b-${k}`).setAttribute("aria-label", t("bias_input", { k }));
  }
  $("run").textContent = t(state.running ? "run_stop" : "run_start");
  tableSize = -1; // rebuild the rows, whose buttons carry words
  render();
}

// ---- start -------------------------------------------------------------------------------

setLanguage(languageFromUrl(window.location.href));
buildParams();
initControls();
applyLanguage();
restart();
loadDataset(state.dataset);
render();

const copy = (v) => JSON.parse(JSON.stringify(v));
window.linclassDemo = {
  // Everything the tests compare against linclass: the inputs and what the page computed.
  snapshot: () => copy({
    points: state.points, W: state.W, b: state.b, loss: state.loss, margin: state.margin,
    regStrength: state.regStrength, lr: state.lr, features: state.features,
    updates: state.updates, history: state.history, lang: language(), ...compute(),
  }),
  colors: COLORS,
};
document.documentElement.dataset.ready = "true";
