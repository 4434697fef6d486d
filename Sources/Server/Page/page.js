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
let phaseRequest = null;

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
        syncControls();
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
    // Probabilities past 1 are refused here, in the page's words, without asking the server.
    const sum = probabilitySum();
    if (sum > 1 + 1e-12) throw new Error(`probabilities summing to ${sum} exceed 1`);
    const [csv, minima, symbolic] = await Promise.all([
      fetch("/api/curve?" + q + "&points=" + CURVE_POINTS).then(async (r) => {
        if (!r.ok) throw new Error((await r.json()).error);
        return r.text();
      }),
      json("/api/minima?" + q),
      json("/api/symbolic?" + q),
    ]);
    $("error").textContent = "";
    $("results").classList.remove("stale");
    const curve = parseCSV(csv);
    drawChart(curve, minima);
    listMinima(minima);
    showSymbolic(symbolic);
    showLeftover();
    setDownloads(q);
    document.body.dataset.drawn = q;
    refreshPhase();
  } catch (error) {
    $("error").textContent = pageWords(error.message);
    showLeftover();
    // The results shown are the last valid state's: greyed, their downloads off.
    $("results").classList.add("stale");
    document.body.dataset.drawn = "error:" + q;
  } finally {
    inFlight = false;
    if (pending) refresh();
  }
}

/// A server error line in the page's words: the flags' dashes dropped, long decimals rounded
/// (full precision stays in the API's answer).
function pageWords(line) {
  const sum = /probabilities summing to ([0-9.e+-]+) exceed 1/.exec(line);
  if (sum) return `The firing probabilities add up to ${+(+sum[1]).toPrecision(6)}, more than 1: lower one of them.`;
  return line.replace(/--([a-z0-9-]+)/g, "$1")
    .replace(/-?\d+\.\d{7,}(e-?\d+)?/g, (x) => String(+(+x).toPrecision(6)));
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

/// p0 + p01 + p1 as the controls stand (the patterns the case has).
function probabilitySum() {
  const c = currentCase();
  let sum = 0;
  for (const name of PROBABILITIES) {
    const present = c ? c.patterns.some((p) => p.name === name) : (name !== "p1" || state.has("p1"));
    if (present) sum += +shown(name);
  }
  return sum;
}

function showLeftover() {
  const sum = probabilitySum();
  if (sum > 1 + 1e-12) {
    $("leftover").textContent = "nothing fires: none (the probabilities add up to " + +sum.toPrecision(6) + ")";
    return;
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
  el("text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", "font-size": 12, fill: "#1f4e9c",
    transform: `rotate(-90 14 ${(T + H - B) / 2})` }, svg).textContent = "MSE (expected)";
  el("text", { x: W - 10, y: (T + H - B) / 2, "text-anchor": "middle", "font-size": 12, fill: "#e07b00",
    transform: `rotate(90 ${W - 10} ${(T + H - B) / 2})` }, svg).textContent = "L2 (expected)";
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
  // The readout: t, MSE and L2 at the curve point nearest the pointer.
  const cursor = el("line", { y1: T, y2: H - B, stroke: "#888", "stroke-dasharray": "2 3", visibility: "hidden" }, svg);
  const readout = el("text", { id: "readout", x: L + 6, y: T + 14, "font-size": 12, fill: "#333" }, svg);
  svg.onmousemove = (e) => {
    const box = svg.getBoundingClientRect();
    const x = (e.clientX - box.left) / box.width * W;
    if (x < L || x > W - R) return;
    const t = x0 + (x - L) / (W - L - R) * (x1 - x0);
    let i = 0;
    for (let k = 1; k < curve.t.length; k++) if (Math.abs(curve.t[k] - t) < Math.abs(curve.t[i] - t)) i = k;
    cursor.setAttribute("x1", X(curve.t[i]));
    cursor.setAttribute("x2", X(curve.t[i]));
    cursor.setAttribute("visibility", "visible");
    readout.textContent = `t ${readable(curve.t[i])}: MSE ${readable(curve.mse[i])}, L2 ${readable(curve.l2[i])}`;
  };
  svg.onmouseleave = () => { cursor.setAttribute("visibility", "hidden"); readout.textContent = ""; };
}

function number(x) { return x === null || x === undefined ? "none" : String(x); }

/// A number as a reader needs it: 6 significant digits (the JSON download keeps them all).
function readable(x) {
  if (x === null || x === undefined) return "none";
  return typeof x === "number" ? String(+x.toPrecision(6)) : String(x);
}

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
      const latentShort = Object.entries(m.latent).map(([f, v]) => f + " " + readable(v)).join(", ");
      for (const [text, full] of [[key.toUpperCase()], [readable(m.t), number(m.t)],
        [readable(m.loss), number(m.loss)], [m.kind], [m.global ? "yes" : ""],
        [latentShort, latent], [readable(m.hedging), number(m.hedging)]]) {
        const cell = row.insertCell();
        cell.textContent = text;
        if (full && full !== text) cell.title = full;
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

/// The downloads' name: the case and the parameters set (`skew-parent_l1-0.01`,
/// `p0-0.3_p01-0.1`).
function downloadName() {
  const parts = [];
  for (const [k, v] of state) if (v !== "") parts.push(k === "case" ? v : k + "-" + v);
  return parts.join("_").replace(/[^A-Za-z0-9._-]/g, "-") || "landscape";
}

function setDownloads(q) {
  const name = downloadName();
  for (const f of ["png", "svg", "pdf"]) {
    $("dl-" + f).href = "/api/figure." + f + "?" + q;
    $("dl-" + f).download = name + "." + f;
  }
  $("dl-csv").href = "/api/curve?" + q + "&points=" + CURVE_POINTS;
  $("dl-csv").download = name + "_curve.csv";
  $("dl-json").href = "/api/minima?" + q;
  $("dl-json").download = name + "_minima.json";
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
    // A superseded diagram is abandoned: the server stops computing it.
    if (phaseRequest) phaseRequest.abort();
    const request = new AbortController();
    phaseRequest = request;
    $("phase-status").textContent = "computing the diagram (41 x 41 minima)...";
    const started = performance.now();
    try {
      const response = await fetch("/api/phase?" + full, { signal: request.signal });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      phase = body;
      $("phase-status").textContent = "";
    } catch (error) {
      if (request.signal.aborted) return;
      // No diagram for this case (it is not the two-feature hierarchy): the box hides.
      phase = null;
      $("phase-status").textContent = "";
    } finally {
      if (phaseRequest === request) phaseRequest = null;
    }
    const seconds = (performance.now() - started) / 1000;
    if (phase && seconds > 2) $("phase-status").textContent = `computed in ${seconds.toFixed(1)} s`;
  }
  $("phase-box").hidden = !phase && !phaseRequest;
  if (phase) drawPhase();
}

/// The phase diagram's frame inside its canvas: the grid's square, the colour bar's strip.
const PHASE = { left: 40, top: 16, size: 240, bar: 298, barWidth: 12 };

/// The colour of an MSE-optimal t: dark blue at the parent (t = 0), lighter as the latent
/// hedges towards the merged latent (t = 1/2), red as it hedges negatively (t < 0).
function phaseColour(t) {
  if (t < 0) {
    const s = Math.min(1, -t / 0.5);
    return `rgb(${Math.round(20 + 190 * s)}, ${Math.round(40 + 10 * s)}, ${Math.round(110 - 70 * s)})`;
  }
  const s = Math.min(1, t / 0.5);
  return `rgb(${Math.round(20 + 215 * s)}, ${Math.round(40 + 180 * s)}, ${Math.round(110 + 100 * s)})`;
}

function drawPhase() {
  const canvas = $("phase"), g = canvas.getContext("2d");
  const { left, top, size, bar, barWidth } = PHASE;
  const n = phase.p0.length, cell = size / n;
  g.clearRect(0, 0, canvas.width, canvas.height);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const t = phase.mse_t[j][i];
      const x = left + i * cell, y = top + size - (j + 1) * cell;
      if (t === null) { g.fillStyle = "#eee"; g.fillRect(x, y, cell + 0.5, cell + 0.5); continue; }
      g.fillStyle = phaseColour(t);
      g.fillRect(x, y, cell + 0.5, cell + 0.5);
      if (phase.l2_regime[j][i] & 1) {
        g.fillStyle = "rgba(0,0,0,0.5)";
        g.fillRect(x + cell / 2 - 1, y + cell / 2 - 1, 2, 2);
      }
    }
  }
  // Axes: p0 along x, p01 along y, ticks every 0.25.
  g.strokeStyle = "#555"; g.lineWidth = 1; g.fillStyle = "#222";
  g.strokeRect(left, top, size, size);
  g.font = "11px system-ui, sans-serif";
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    const x = left + v * size, y = top + size - v * size;
    g.beginPath(); g.moveTo(x, top + size); g.lineTo(x, top + size + 4); g.stroke();
    g.beginPath(); g.moveTo(left - 4, y); g.lineTo(left, y); g.stroke();
    g.textAlign = "center"; g.fillText(String(v), x, top + size + 15);
    g.textAlign = "right"; g.fillText(String(v), left - 6, y + 4);
  }
  g.textAlign = "center";
  g.fillText("p0 (parent alone)", left + size / 2, top + size + 29);
  g.save(); g.translate(11, top + size / 2); g.rotate(-Math.PI / 2);
  g.fillText("p01 (both)", 0, 0); g.restore();
  // Colour bar: MSE-optimal t from -0.5 (red) through 0 (dark) to 0.5 (light).
  for (let k = 0; k < size; k++) {
    g.fillStyle = phaseColour(0.5 - k / size);
    g.fillRect(bar, top + k, barWidth, 1.5);
  }
  g.strokeRect(bar, top, barWidth, size);
  g.fillStyle = "#222"; g.textAlign = "left";
  for (const v of [0.5, 0.25, 0, -0.25, -0.5]) {
    g.fillText(String(v), bar + barWidth + 3, top + (0.5 - v) * size + 4);
  }
  g.textAlign = "center"; g.fillText("t*", bar + barWidth / 2, top - 5);
  const px = left + +shown("p0") * size, py = top + size - +shown("p01") * size;
  g.strokeStyle = "#d00"; g.lineWidth = 2;
  g.beginPath(); g.arc(px, py, 6, 0, 2 * Math.PI); g.stroke();
  canvas.dataset.axes = "p0,p01,colour-bar";
}

function round(x) { return String(Math.round(x * 100) / 100); }

function setupPhase() {
  const canvas = $("phase");
  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    const scale = canvas.width / r.width;
    const x = ((e.clientX - r.left) * scale - PHASE.left) / PHASE.size;
    const y = 1 - ((e.clientY - r.top) * scale - PHASE.top) / PHASE.size;
    if (x < -0.02 || x > 1.02 || y < -0.02 || y > 1.02) return;
    state.set("p0", round(Math.min(1, Math.max(0, x))));
    state.set("p01", round(Math.min(1, Math.max(0, y))));
    syncControls();
    update();
  });
  // Arrow keys move the point by 0.01 (p0 left and right, p01 up and down).
  canvas.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: ["p0", -1], ArrowRight: ["p0", 1], ArrowUp: ["p01", 1], ArrowDown: ["p01", -1] };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const [name, sign] = move;
    state.set(name, round(Math.min(1, Math.max(0, +shown(name) + sign * 0.01))));
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
