// The page of `landscape serve`: controls -> the URL's query -> the JSON API -> drawing.
// Every number shown comes from the server; this script only draws and lists them.
"use strict";

const PROBABILITIES = ["p0", "p01", "p1"];
const LABELS = { p0: "p0 (parent alone)", p01: "p01 (both)", p1: "p1 (child alone)" };
const CURVE_POINTS = 801;
const $ = (id) => document.getElementById(id);

let cases = [];
let state = new URLSearchParams(location.search);
let inFlight = false;
let pending = false;
let phaseKey = null;
let phase = null;

/// A slider and a number box for one parameter, kept in step.
function makeParam(box, name, label, min, max, step) {
  box.className = "param";
  box.innerHTML = "";
  const text = document.createElement("label");
  text.textContent = label;
  text.htmlFor = "range-" + name;
  const range = document.createElement("input");
  Object.assign(range, { type: "range", id: "range-" + name, min, max, step });
  range.setAttribute("aria-label", label);
  const number = document.createElement("input");
  Object.assign(number, { type: "number", id: "number-" + name, min, max, step: "any" });
  number.setAttribute("aria-label", label + " (value)");
  box.append(text, range, number);
  const set = (value) => {
    state.set(name, value);
    range.value = value;
    number.value = value;
    update();
  };
  range.addEventListener("input", () => set(range.value));
  number.addEventListener("change", () => { if (number.value !== "") set(number.value); });
  return box;
}

function buildProbabilities() {
  const box = $("probabilities");
  box.innerHTML = "";
  for (const name of PROBABILITIES) {
    const div = document.createElement("div");
    box.append(makeParam(div, name, LABELS[name], 0, 1, 0.01));
    if (name === "p1") {
      const toggle = document.createElement("input");
      Object.assign(toggle, { type: "checkbox", id: "has-p1", title: "a child-alone pattern" });
      toggle.setAttribute("aria-label", "include p1 (child alone)");
      toggle.addEventListener("change", () => {
        if (toggle.checked) state.set("p1", $("number-p1").value || "0"); else state.delete("p1");
        update();
      });
      div.firstChild.prepend(toggle);
    }
  }
}

/// The defaults a parameter shows when the query does not give it (the case's or the flags').
function shown(name) {
  if (state.has(name)) return state.get(name);
  const c = currentCase();
  const pattern = c && c.patterns.find((p) => p.name === name);
  if (pattern) return String(pattern.probability);
  const defaults = { "parent-magnitude": "1", "child-magnitude": "1", l1: c ? String(c.l1) : "0",
    "t-min": c ? String(c.t_min) : "0", "t-max": c ? String(c.t_max) : "1",
    bias: c ? c.bias : "none", p0: "0.3", p01: "0.1", p1: "0" };
  return defaults[name];
}

function currentCase() { return cases.find((c) => c.name === state.get("case")); }

/// Puts the state into the controls (after a load, a case pick or a click on the diagram).
function syncControls() {
  const c = currentCase();
  $("case").value = c ? c.name : "";
  for (const name of [...PROBABILITIES, "parent-magnitude", "child-magnitude", "l1", "t-min", "t-max"]) {
    const value = shown(name);
    $("range-" + name).value = value;
    $("number-" + name).value = value;
  }
  const hasP1 = c ? c.patterns.some((p) => p.name === "p1") : state.has("p1");
  $("has-p1").checked = hasP1;
  $("has-p1").disabled = !!c;
  for (const id of ["range-p1", "number-p1"]) $(id).disabled = !hasP1;
  for (const name of ["parent-magnitude", "child-magnitude"]) {
    for (const kind of ["range-", "number-"]) $(kind + name).disabled = !!c;
  }
  const bias = $("bias");
  const value = shown("bias");
  if (![...bias.options].some((o) => o.value === value)) bias.add(new Option(value, value));
  bias.value = value;
}

/// The API query: the state as it stands (the same names as the command line's flags).
function query() {
  const q = new URLSearchParams();
  for (const [k, v] of state) if (v !== "") q.set(k, v);
  return q.toString();
}

function update() {
  history.replaceState(null, "", "?" + query());
  if (inFlight) { pending = true; return; }
  refresh();
}

async function json(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

/// Fetches and draws the landscape for the current state; one request set at a time,
/// the latest state winning.
async function refresh() {
  inFlight = true;
  pending = false;
  const q = query();
  try {
    const [csv, minima, symbolic] = await Promise.all([
      fetch("/api/curve?" + q + "&points=" + CURVE_POINTS).then(async (r) => {
        if (!r.ok) throw new Error((await r.json()).error);
        return r.text();
      }),
      json("/api/minima?" + q),
      json("/api/symbolic?" + q),
    ]);
    $("error").textContent = "";
    const curve = parseCSV(csv);
    drawChart(curve, minima);
    listMinima(minima);
    showSymbolic(symbolic);
    showLeftover();
    setDownloads(q);
    document.body.dataset.drawn = q;
    refreshPhase();
  } catch (error) {
    $("error").textContent = error.message;
    document.body.dataset.drawn = "error:" + q;
  } finally {
    inFlight = false;
    if (pending) refresh();
  }
}

function parseCSV(text) {
  const lines = text.trim().split("\n").slice(1);
  const t = [], mse = [], l2 = [];
  for (const line of lines) {
    const f = line.split(",");
    t.push(+f[0]); mse.push(+f[1]); l2.push(+f[2]);
  }
  return { t, mse, l2 };
}

function showLeftover() {
  const c = currentCase();
  let sum = 0;
  for (const name of PROBABILITIES) {
    const present = c ? c.patterns.some((p) => p.name === name) : (name !== "p1" || state.has("p1"));
    if (present) sum += +shown(name);
  }
  $("leftover").textContent = "nothing fires: " + Math.max(0, 1 - sum).toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
}

const SVG = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.append(e);
  return e;
}

function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function ticks(lo, hi, n) {
  const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
  const k = [1, 2, 5, 10].find((m) => (hi - lo) / (step * m) <= n) * step;
  const out = [];
  for (let v = Math.ceil(lo / k) * k; v <= hi + 1e-12; v += k) out.push(+v.toPrecision(12));
  return out;
}

/// MSE (left axis) and L2 (right axis) over t with their minima, as an SVG.
function drawChart(curve, minima) {
  const svg = $("chart");
  svg.innerHTML = "";
  const W = 640, H = 360, L = 62, R = 62, T = 14, B = 40;
  const [x0, x1] = [curve.t[0], curve.t[curve.t.length - 1]];
  const left = extent(curve.mse), right = extent(curve.l2);
  const X = (t) => L + (t - x0) / (x1 - x0) * (W - L - R);
  const Y = (v, [lo, hi]) => H - B - (v - lo) / (hi - lo) * (H - T - B);
  el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#999" }, svg);
  for (const t of ticks(x0, x1, 8)) {
    el("line", { x1: X(t), x2: X(t), y1: H - B, y2: H - B + 4, stroke: "#555" }, svg);
    el("text", { x: X(t), y: H - B + 16, "text-anchor": "middle", "font-size": 11 }, svg).textContent = t;
  }
  el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12 }, svg)
    .textContent = "t   (0 = parent, 1 = child)";
  for (const [range, x, anchor, color] of [[left, L - 6, "end", "#1f4e9c"], [right, W - R + 6, "start", "#e07b00"]]) {
    for (const v of ticks(range[0], range[1], 6)) {
      el("text", { x, y: Y(v, range) + 4, "text-anchor": anchor, "font-size": 11, fill: color }, svg)
        .textContent = v;
    }
  }
  for (const [key, range, color, dash] of [["mse", left, "#1f4e9c", ""], ["l2", right, "#e07b00", "6 4"]]) {
    let d = "";
    curve[key].forEach((v, i) => {
      if (Number.isFinite(v)) d += (d ? "L" : "M") + X(curve.t[i]).toFixed(2) + " " + Y(v, range).toFixed(2);
    });
    el("path", { d, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": dash, class: key }, svg);
    for (const m of minima[key].minima) {
      el("circle", { cx: X(m.t), cy: Y(m.loss, range), r: 5, stroke: color, "stroke-width": 2,
        fill: m.global ? color : "#fff", class: "minimum " + key }, svg);
    }
  }
}

function number(x) { return x === null || x === undefined ? "none" : String(x); }

function listMinima(report) {
  const body = $("minima").tBodies[0];
  body.innerHTML = "";
  for (const key of ["mse", "l2"]) {
    for (const m of report[key].minima) {
      const row = body.insertRow();
      row.className = key + (m.global ? " global" : "");
      row.dataset.t = m.t;
      row.dataset.loss = m.loss;
      const latent = Object.entries(m.latent).map(([f, v]) => f + " " + v).join(", ");
      for (const text of [key.toUpperCase(), number(m.t), number(m.loss), m.kind,
        m.global ? "yes" : "", latent, number(m.hedging)]) {
        row.insertCell().textContent = text;
      }
    }
  }
}

function showSymbolic(s) {
  const box = $("symbolic");
  box.innerHTML = "";
  const pre = (text) => { const p = document.createElement("pre"); p.textContent = text; box.append(p); };
  if (!s.supported) {
    const u = s.unsupported || {};
    pre("No symbolic derivation for this case: " + [u.field, u.value, u.reason].filter(Boolean).join(" "));
    return;
  }
  let text = "MSE stationarity (symbols: " + s.symbols.join(", ") + "):\n";
  for (const piece of s.stationarity.pieces) {
    text += "  t in [" + piece.t_range_exact.join(", ") + "]: " + piece.text + "\n";
    if (piece.minimum) text += "    minimum: t* = " + piece.minimum.formulas.join(" = ") + "\n";
  }
  pre(text);
  if (s.l2 && s.l2.supported) {
    let l2 = "L2 regimes (cusps and range ends):\n";
    const verdict = (v) => v.verdict === "iff" ? "iff " + v.all.map((a) => a.text).join(" and ")
      : v.verdict;
    for (const c of s.l2.candidates) l2 += "  t = " + c.t_exact + ": local minimum " + verdict(c.local_minimum) + "\n";
    for (const c of s.l2.comparisons || []) l2 += "  L2(" + c.lower + ") < L2(" + c.than + ") " + verdict(c.when) + "\n";
    pre(l2);
  }
}

function setDownloads(q) {
  for (const f of ["png", "svg", "pdf"]) {
    $("dl-" + f).href = "/api/figure." + f + "?" + q;
    $("dl-" + f).download = "landscape." + f;
  }
  $("dl-csv").href = "/api/curve?" + q + "&points=" + CURVE_POINTS;
  $("dl-csv").download = "curve.csv";
  $("dl-json").href = "/api/minima?" + q;
  $("dl-json").download = "minima.json";
}

/// The phase diagram over p0 and p01 with the other settings held; refetched only when
/// those change.
async function refreshPhase() {
  const full = query();
  const q = new URLSearchParams(full);
  q.delete("p0"); q.delete("p01");
  const key = q.toString();
  if (key !== phaseKey) {
    phaseKey = key;
    try { phase = await json("/api/phase?" + full); } catch { phase = null; }
  }
  $("phase-box").hidden = !phase;
  if (phase) drawPhase();
}

function drawPhase() {
  const canvas = $("phase"), g = canvas.getContext("2d");
  const n = phase.p0.length, size = canvas.width, cell = size / n;
  g.clearRect(0, 0, size, size);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const t = phase.mse_t[j][i];
      const x = i * cell, y = size - (j + 1) * cell;
      if (t === null) { g.fillStyle = "#eee"; g.fillRect(x, y, cell + 0.5, cell + 0.5); continue; }
      const s = Math.min(1, Math.max(0, t / 0.5));
      g.fillStyle = `rgb(${Math.round(20 + 215 * s)}, ${Math.round(40 + 180 * s)}, ${Math.round(110 + 100 * s)})`;
      g.fillRect(x, y, cell + 0.5, cell + 0.5);
      if (phase.l2_regime[j][i] & 1) {
        g.fillStyle = "rgba(0,0,0,0.5)";
        g.fillRect(x + cell / 2 - 1, y + cell / 2 - 1, 2, 2);
      }
    }
  }
  const px = +shown("p0") * size, py = size - +shown("p01") * size;
  g.strokeStyle = "#d00"; g.lineWidth = 2;
  g.beginPath(); g.arc(px, py, 6, 0, 2 * Math.PI); g.stroke();
}

function round(x) { return String(Math.round(x * 1000) / 1000); }

function setupPhase() {
  $("phase").addEventListener("click", (e) => {
    const r = e.target.getBoundingClientRect();
    const p0 = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    const p01 = Math.min(1, Math.max(0, 1 - (e.clientY - r.top) / r.height));
    state.set("p0", round(p0));
    state.set("p01", round(p01));
    syncControls();
    update();
  });
}

async function start() {
  buildProbabilities();
  for (const box of document.querySelectorAll("#controls .param[data-name]")) {
    makeParam(box, box.dataset.name, box.dataset.label, box.dataset.min, box.dataset.max, box.dataset.step);
  }
  $("bias").addEventListener("change", () => { state.set("bias", $("bias").value); update(); });
  $("case").addEventListener("change", () => {
    const name = $("case").value;
    state = new URLSearchParams(name ? { case: name } : { p0: "0.3", p01: "0.1" });
    syncControls();
    update();
  });
  setupPhase();
  try { cases = await json("/api/cases"); } catch { cases = []; }
  for (const c of cases) $("case").add(new Option(c.name + (c.title ? ": " + c.title : ""), c.name));
  syncControls();
  update();
}

start();
