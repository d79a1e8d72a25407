// Replays a traced pregel run: the graph as SVG, one superstep per step.
// Every number shown was computed by the engine and embedded by pregel/viz.py;
// this script only draws it. Position p = supersteps done (0 = initial values; the
// page's address ends in #p); the dots on the edges are the messages of superstep
// p - 1, in flight to superstep p.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("trace-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const svg = $("graph");
  const n = data.ids.length;
  const last = data.steps.length;
  const REST = 0.72; // where a delivered message waits along its edge

  // JSON has no infinity: viz.py writes it as text
  const num = (v) => (v === "Infinity" || v === "-Infinity" || v === "NaN" ? Number(v) : v);
  const zeros = new Array(n).fill(0);
  const states = [{ values: data.initial.map(num), halted: zeros, computed: zeros, messages: [], inbox: [] }].concat(
    data.steps.map((s) => ({
      ...s,
      values: s.values.map(num),
      messages: s.messages.map(([from, to, v]) => [from, to, num(v)]),
      inbox: s.inbox.map(([to, v]) => [to, num(v)]),
    })),
  );
  const xy = data.xy.map((p) => p.slice());
  const edgeSet = new Set(data.edges.map(([s, t]) => s + "," + t));
  let position = 0;
  let playing = null;
  let flight = null;
  let pinned = null;

  // ------------------------------------------------------------------ scales
  const numbers = states.flatMap((s) => s.values).filter((v) => typeof v === "number" && Number.isFinite(v));
  const low = Math.min(0, ...numbers);
  const high = numbers.reduce((a, b) => Math.max(a, b), low + 1e-12); // no spread: a long run has many values
  const labels = [...new Set(numbers)].sort((a, b) => a - b);

  function show(v) {
    if (typeof v !== "number") return String(v);
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    return String(Number(v.toPrecision(4)));
  }

  const plain = Math.max(9, Math.min(18, 22 - n / 10)); // smaller circles for more vertices
  function radius(v) {
    if (data.style !== "rank" || typeof v !== "number" || !Number.isFinite(v)) return plain;
    return 7 + 30 * Math.sqrt(Math.max(v, 0) / high);
  }

  function fill(v) {
    if (typeof v !== "number" || !Number.isFinite(v)) return "#e6e6e6";
    if (data.style === "rank") return "#5b8bd9";
    if (data.style === "label") return `hsl(${(labels.indexOf(v) * 137.508) % 360}, 62%, 58%)`;
    const t = (v - low) / (high - low); // near = dark blue, far = pale yellow
    return `hsl(${220 - 170 * t}, ${55 + 25 * t}%, ${30 + 50 * t}%)`;
  }

  // ------------------------------------------------------------------ drawing
  function make(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  const edges = data.edges.map(([s, t]) => ({
    s,
    t,
    path: make("path", { class: "edge", "marker-end": data.directed ? "url(#arrow)" : "" }, $("edges")),
  }));
  const vertices = data.ids.map((id, i) => {
    const g = make("g", { class: "vertex", id: "v-" + id, "data-id": id, "data-index": i }, $("vertices"));
    const shape = make("circle", { r: 14 }, g);
    make("text", { class: "name", dy: "0.35em" }, g).textContent = id;
    const value = make("text", { class: "value" }, g);
    return { g, shape, value, r: 14 };
  });
  if (n > 80) svg.classList.add("crowded");

  // a straight edge, or a bent one when the reverse edge is drawn too
  function curve(s, t) {
    const [x1, y1] = xy[s];
    const [x2, y2] = xy[t];
    const dx = x2 - x1;
    const dy = y2 - y1;
    const d = Math.hypot(dx, dy) || 1;
    const bend = data.directed && edgeSet.has(t + "," + s) ? 0.18 * d : 0;
    const cx = (x1 + x2) / 2 + (bend * dy) / d;
    const cy = (y1 + y2) / 2 - (bend * dx) / d;
    const trim = (x, y, r, tx, ty) => {
      const k = r / (Math.hypot(tx - x, ty - y) || 1);
      return [x + (tx - x) * k, y + (ty - y) * k];
    };
    const a = trim(x1, y1, vertices[s].r, cx, cy);
    const b = trim(x2, y2, vertices[t].r + (data.directed ? 2 : 0), cx, cy);
    return { a, c: [cx, cy], b };
  }

  function along(q, u) {
    const w = (i) => (1 - u) * (1 - u) * q.a[i] + 2 * u * (1 - u) * q.c[i] + u * u * q.b[i];
    return [w(0), w(1)];
  }

  function drawEdges() {
    for (const e of edges) {
      if (e.s === e.t) {
        const [x, y] = xy[e.s];
        const r = vertices[e.s].r;
        e.path.setAttribute("d", `M${x - 5},${y - r} c-30,-40 40,-40 10,0`);
        continue;
      }
      const q = curve(e.s, e.t);
      e.path.setAttribute("d", `M${q.a[0]},${q.a[1]} Q${q.c[0]},${q.c[1]} ${q.b[0]},${q.b[1]}`);
    }
  }

  function drawVertices(state) {
    // a ring on every vertex says nothing: mark who computed only when some did not
    const someIdle = state.computed.includes(0);
    vertices.forEach((v, i) => {
      const value = state.values[i];
      const unreachable = data.style === "distance" && value === Infinity;
      v.r = radius(value);
      v.g.setAttribute("transform", `translate(${xy[i][0]},${xy[i][1]})`);
      v.g.setAttribute("data-value", show(value));
      v.g.classList.toggle("halted", state.halted[i] === 1);
      v.g.classList.toggle("computed", someIdle && state.computed[i] === 1);
      v.g.classList.toggle("unreachable", unreachable);
      v.shape.setAttribute("r", v.r);
      v.shape.setAttribute("fill", fill(value));
      v.value.setAttribute("y", v.r + 14);
      v.value.textContent = show(value);
    });
  }

  // where a message is at time u in [0, 1]; a message without a known sender appears above its target
  function messageAt(m, u) {
    const [from, to] = m;
    if (from < 0) return [xy[to][0], xy[to][1] - vertices[to].r - 10 * u];
    if (from === to) return [xy[to][0] + 12, xy[to][1] - vertices[to].r - 18];
    return along(curve(from, to), u * REST);
  }

  function drawMessages(state) {
    const group = $("messages");
    group.replaceChildren();
    return state.messages.map((m) => {
      const dot = make("circle", { class: "message", r: 4.5 }, group);
      const from = m[0] < 0 ? "?" : data.ids[m[0]];
      make("title", {}, dot).textContent = `message ${from} → ${data.ids[m[1]]}: ${m[2]}`;
      return { m, dot };
    });
  }

  function placeMessages(dots, u) {
    for (const { m, dot } of dots) {
      const [x, y] = messageAt(m, u);
      dot.setAttribute("cx", x);
      dot.setAttribute("cy", y);
    }
  }

  function fly(dots) {
    const start = performance.now();
    const duration = stepMillis() * 0.7;
    const frame = (now) => {
      const u = Math.min(1, (now - start) / duration);
      placeMessages(dots, u * u * (3 - 2 * u));
      flight = u < 1 ? requestAnimationFrame(frame) : null;
    };
    flight = requestAnimationFrame(frame);
  }

  // ------------------------------------------------------------------ panel
  const aggregators = Object.keys(data.steps.length ? data.steps[0].aggregated : {});
  for (const name of aggregators) {
    const dt = document.createElement("dt");
    dt.textContent = data.aggregator_labels[name] || `aggregator ${name}`;
    const dd = document.createElement("dd");
    dd.id = "agg-" + name;
    $("stats").append(dt, dd);
  }

  function drawPanel() {
    const step = position > 0 ? states[position] : null;
    $("superstep").textContent = position;
    $("slider").value = position;
    $("phase").textContent = step
      ? `after superstep ${position - 1}` + (position === last ? " (the end of the run)" : "")
      : "initial values, before superstep 0";
    for (const key of ["active", "sent", "combined"]) $(key).textContent = step ? step[key] : "–";
    for (const name of aggregators) $("agg-" + name).textContent = step ? show(num(step.aggregated[name])) : "–";
    document.body.dataset.superstep = position;
    history.replaceState(null, "", "#" + position); // a reload, or a link, opens at this superstep
    showInfo(pinned);
  }

  function showInfo(i) {
    const box = $("info");
    if (i === null) {
      box.textContent = "Hover over or click a vertex.";
      return;
    }
    const state = states[position];
    const inbox = state.inbox.filter(([to]) => to === i).map(([, v]) => show(v));
    const lines = [
      `vertex ${data.ids[i]}`,
      `value ${show(state.values[i])}` + (typeof state.values[i] === "number" ? ` (${state.values[i]})` : ""),
      `in-degree ${data.in_degree[i]}, out-degree ${data.out_degree[i]}`,
      state.halted[i] ? "halted (voted to halt)" : "active",
      position > 0 ? (state.computed[i] ? "ran compute in this superstep" : "did not run compute") : "",
      inbox.length ? `reads next: ${inbox.join(", ")}` : "",
    ];
    box.replaceChildren(...lines.filter(Boolean).map((text) => Object.assign(document.createElement("div"), { textContent: text })));
  }

  function drawLegend() {
    const items = {
      rank: "circle area follows the rank",
      distance: "colour follows the distance (dark = near); grey ∞ = unreachable",
      label: "colour follows the component label",
      value: "colour follows the value",
    };
    const lines = [items[data.style], "orange ring: ran compute (shown when some did not)", "faded, dashed: halted", "dots: messages in flight (hover for the value)"];
    $("legend").replaceChildren(...lines.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  }

  // ------------------------------------------------------------------ moving through the run
  function go(p, animate) {
    p = Math.max(0, Math.min(last, p));
    if (flight !== null) cancelAnimationFrame(flight);
    flight = null;
    position = p;
    const state = states[p];
    drawVertices(state);
    drawEdges();
    const dots = drawMessages(state);
    if (animate && dots.length) fly(dots);
    else placeMessages(dots, 1);
    drawPanel();
  }

  function redraw() {
    drawVertices(states[position]);
    drawEdges();
    placeMessages(drawMessages(states[position]), 1);
  }

  const stepMillis = () => 900 / Number($("speed").value);

  function play() {
    if (playing !== null) return pause();
    if (position === last) go(0, false);
    $("play").textContent = "❚❚ Pause";
    const tick = () => {
      go(position + 1, true);
      playing = position < last ? setTimeout(tick, stepMillis()) : pause();
    };
    playing = setTimeout(tick, 0);
  }

  function pause() {
    clearTimeout(playing);
    playing = null;
    $("play").textContent = "▶ Play";
    return null;
  }

  $("step").addEventListener("click", () => go(position + 1, true));
  $("back").addEventListener("click", () => go(position - 1, false));
  $("reset").addEventListener("click", () => {
    pause();
    go(0, false);
  });
  $("play").addEventListener("click", play);
  $("slider").max = last;
  $("last").textContent = last;
  $("slider").addEventListener("input", (e) => go(Number(e.target.value), false));
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    const keys = { ArrowRight: () => go(position + 1, true), ArrowLeft: () => go(position - 1, false), " ": play, Home: () => go(0, false) };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });

  // ------------------------------------------------------------------ hover, click, drag
  function toSvg(e) {
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());
    return [p.x, p.y];
  }

  vertices.forEach((v, i) => {
    v.g.addEventListener("pointerenter", () => showInfo(i));
    v.g.addEventListener("pointerleave", () => showInfo(pinned));
    v.g.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      v.g.setPointerCapture(e.pointerId);
      const [x0, y0] = toSvg(e);
      const [vx, vy] = xy[i];
      let moved = false;
      const move = (e) => {
        const [x, y] = toSvg(e);
        moved = moved || Math.hypot(x - x0, y - y0) > 3;
        xy[i] = [vx + x - x0, vy + y - y0];
        redraw();
      };
      const up = () => {
        v.g.removeEventListener("pointermove", move);
        v.g.removeEventListener("pointerup", up);
        v.g.removeEventListener("pointercancel", up);
        if (!moved) pinned = pinned === i ? null : i;
        showInfo(pinned === null ? i : pinned);
      };
      v.g.addEventListener("pointermove", move);
      v.g.addEventListener("pointerup", up);
      v.g.addEventListener("pointercancel", up);
    });
  });
  svg.addEventListener("click", (e) => {
    if (e.target === svg) {
      pinned = null;
      showInfo(null);
    }
  });

  drawLegend();
  go(Number(location.hash.slice(1)) || 0, false);
})();
