// The page's SAE training: POST /api/train, then the run's Server-Sent Events
// (/api/train/ID/events) redraw the heat maps and the loss curve as they come; the last
// event is the report `landscape train --json` prints. Leaving the page or Stop cancels
// the run on the server. Every number shown comes from the server.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  let source = null;
  let runId = null;
  let losses = [];
  let cases = [];

  /// `FIELD=VALUE` lines as the body's `set`: VALUE is JSON when it parses, else a string
  /// (as `--set` reads it).
  function overrides(text) {
    const set = {};
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const eq = line.indexOf("=");
      if (eq <= 0) throw new Error(`"${line}" is not FIELD=VALUE`);
      const value = line.slice(eq + 1).trim();
      try { set[line.slice(0, eq).trim()] = JSON.parse(value); }
      catch { set[line.slice(0, eq).trim()] = value; }
    }
    return set;
  }

  /// A cosine matrix (rows: latents, columns: features) as coloured cells, red positive,
  /// blue negative, white 0.
  function heatMap(canvas, rows) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!rows || rows.length === 0) return;
    const k = rows.length, n = rows[0].length;
    const w = canvas.width / n, h = canvas.height / k;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < n; j++) {
        const v = Math.max(-1, Math.min(1, rows[i][j]));
        const fade = Math.round(255 * (1 - Math.abs(v)));
        ctx.fillStyle = v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
        ctx.fillRect(j * w, i * h, Math.ceil(w), Math.ceil(h));
      }
    }
  }

  /// The batch loss by step, on a log scale when it spans more than a decade.
  function lossCurve(canvas, points, steps) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const finite = points.filter((p) => p[1] > 0 && isFinite(p[1]));
    if (finite.length < 2) return;
    const ys = finite.map((p) => Math.log10(p[1]));
    const lo = Math.min(...ys), hi = Math.max(...ys);
    const span = hi - lo || 1;
    ctx.strokeStyle = "#1f4e9c";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    finite.forEach(([step, loss], i) => {
      const x = 4 + (canvas.width - 8) * step / Math.max(1, steps);
      const y = canvas.height - 4 - (canvas.height - 8) * (Math.log10(loss) - lo) / span;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = "#555";
    ctx.font = "11px system-ui";
    ctx.fillText(`batch loss ${finite[finite.length - 1][1].toPrecision(5)} (log scale)`, 8, 14);
  }

  function showReport(report) {
    heatMap($("train-decoder"), report.decoder_cos);
    heatMap($("train-encoder"), report.encoder_cos);
    const body = $("train-latents").querySelector("tbody");
    body.innerHTML = "";
    const f = (x) => (x === undefined || x === null ? "" : Number(x).toFixed(4));
    for (const l of report.decoder_latents) {
      const tr = document.createElement("tr");
      tr.dataset.hedging = l.hedging_mass;
      for (const cell of [l.latent, l.tracks, f(l.cos), f(l.off_target), f(l.hedging_mass),
                          f(l.precision), f(l.recall)]) {
        const td = document.createElement("td");
        td.textContent = cell;
        tr.append(td);
      }
      body.append(tr);
    }
    const m = report.metrics;
    // An estimate's value with its standard error over the draws.
    const se = (name) => m[`${name}_standard_error`] === undefined ? `${m[name]}` :
      `${m[name]} \u00b1 ${m[`${name}_standard_error`].toPrecision(2)}`;
    $("train-metrics").textContent =
      `${m.exact ? "exact" : `estimated from ${m.samples} samples`}: mse ${se("mse")}, ` +
      `l2 ${se("l2")}, l0 ${se("l0")}` +
      (m.mcc === undefined ? "" : `, mcc ${f(m.mcc)}, explained variance ` +
      `${f(m.explained_variance)}, dead latents ${m.dead_latents}`);
    const blob = new Blob([JSON.stringify(report) + "\n"], { type: "application/json" });
    $("train-dl-json").href = URL.createObjectURL(blob);
    $("train-downloads").hidden = false;
  }

  function finish(status) {
    if (source) source.close();
    source = null;
    runId = null;
    $("train-start").disabled = false;
    $("train-stop").disabled = true;
    if (status !== undefined) $("train-status").textContent = status;
  }

  /// One input per field of the chosen case (numbers, true/false, the enumerated words),
  /// named by its path as `--set` names it; a changed one is highlighted and sent.
  function showFields() {
    const box = $("train-fields");
    box.innerHTML = "";
    const c = cases.find((x) => x.name === $("train-case").value);
    if (!c) return;
    for (const f of c.fields) {
      const row = document.createElement("div");
      row.className = "field";
      const label = document.createElement("label");
      label.textContent = f.path;
      const input = document.createElement("input");
      input.dataset.path = f.path;
      input.dataset.original = JSON.stringify(f.value);
      if (typeof f.value === "boolean") {
        input.type = "checkbox";
        input.checked = f.value;
      } else if (typeof f.value === "number") {
        Object.assign(input, { type: "number", step: "any", value: f.value });
      } else {
        Object.assign(input, { type: "text", value: f.value });
      }
      input.id = "field-" + f.path.replace(/[^A-Za-z0-9]/g, "-");
      label.htmlFor = input.id;
      input.addEventListener("input", () => input.classList.toggle("changed", fieldValue(input) !== input.dataset.original));
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") start(); });
      row.append(label, input);
      box.append(row);
    }
  }

  /// An input's value as JSON text (a number, true/false, or a string).
  function fieldValue(input) {
    if (input.type === "checkbox") return JSON.stringify(input.checked);
    if (input.type === "number") return input.value === "" ? input.dataset.original : JSON.stringify(+input.value);
    return JSON.stringify(input.value);
  }

  /// The changed fields, then the free lines (which win).
  function changes() {
    const set = {};
    for (const input of $("train-fields").querySelectorAll("input")) {
      const value = fieldValue(input);
      if (value !== input.dataset.original) set[input.dataset.path] = JSON.parse(value);
    }
    return Object.assign(set, overrides($("train-set").value));
  }

  /// The downloads of a finished run, named after the case and the fields changed.
  function setDownloads(id, set) {
    const parts = [$("train-case").value];
    for (const [k, v] of Object.entries(set)) parts.push(k + "-" + v);
    const name = parts.join("_").replace(/[^A-Za-z0-9._-]/g, "-");
    for (const f of ["png", "svg", "pdf"]) {
      $("train-dl-" + f).href = `/api/train/${id}/figure.${f}`;
      $("train-dl-" + f).download = `${name}.${f}`;
    }
    $("train-dl-sae").href = `/api/train/${id}/sae.json`;
    $("train-dl-sae").download = `${name}_sae.json`;
    $("train-dl-json").download = `${name}_report.json`;
  }

  async function start() {
    if (source) return;
    $("train-error").textContent = "";
    $("train-downloads").hidden = true;
    let set;
    try { set = changes(); }
    catch (e) { $("train-error").textContent = e.message; return; }
    $("train-start").disabled = true;
    const response = await fetch("/api/train", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ case: $("train-case").value, set }),
    });
    const answer = await response.json();
    if (!response.ok) {
      $("train-error").textContent = answer.error;
      $("train-start").disabled = false;
      return;
    }
    runId = answer.id;
    losses = [];
    $("train-stop").disabled = false;
    $("train-status").textContent = "training...";
    source = new EventSource(`/api/train/${runId}/events`);
    source.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.error) { $("train-error").textContent = data.error; finish(""); return; }
      if (data.decoder_latents) { showReport(data); setDownloads(answer.id, set); finish("done"); return; }
      if (data.loss !== null) losses.push([data.step, data.loss]);
      $("train-status").textContent = `step ${data.step} of ${data.steps}`;
      heatMap($("train-decoder"), data.decoder_cos);
      heatMap($("train-encoder"), data.encoder_cos);
      lossCurve($("train-loss"), losses, data.steps);
    };
    source.onerror = () => { if (source) finish("the connection ended"); };
  }

  function stop() {
    if (runId) fetch(`/api/train/${runId}`, { method: "DELETE" });
    finish("stopped");
  }

  async function init() {
    const response = await fetch("/api/train/cases");
    cases = await response.json();
    const select = $("train-case");
    for (const c of cases) {
      const option = document.createElement("option");
      option.value = c.name;
      option.textContent = c.name;
      option.title = c.title;
      select.append(option);
    }
    if (cases.length === 0) $("train").hidden = true;
    select.addEventListener("change", showFields);
    showFields();
    $("train-start").addEventListener("click", start);
    $("train-stop").addEventListener("click", stop);
    $("train-set").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) start();
    });
    window.addEventListener("pagehide", () => { if (runId) stop(); });
  }

  init();
})();
