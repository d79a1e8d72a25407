// Replays a traced pregel run: the graph as SVG, one superstep per step.
// Every number shown was computed by the engine and embedded by pregel/viz/page.py,
// and every size and place by pregel/viz/layout.py; this script only draws them.
// Position p = supersteps done (0 = initial values; the page's address ends in #p);
// the dots on the edges are the messages of superstep p - 1, in flight to superstep p.
// A run that mutated its graph is drawn on every vertex and edge it ever had: each position
// shows those of the graph its values are on (superstep p - 1 ran on it), the ones new in it
// marked, and those the next barrier removes marked too.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("trace-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const svg = $("graph");
  const n = data.ids.length;
  const last = data.steps.length;
  const REST = 0.72; // where a delivered message waits along its edge
  const R = data.radius; // plain, smallest, largest, high: see pregel/viz/layout.py

  // ------------------------------------------------------------------ unpacking (see page.py)
  function bytes(text) {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  // senders: of the messages whose values are stored once per run of equal senders
  function unpack(packed, senders) {
    if ("text" in packed) return packed.text;
    if ("i32" in packed) return Array.from(new Int32Array(bytes(packed.i32).buffer));
    const numbers = Array.from("f64" in packed ? new Float64Array(bytes(packed.f64).buffer) : new Float32Array(bytes(packed.f32).buffer));
    if (packed.per !== "sender") return numbers;
    let k = -1;
    return senders.map((s, i) => numbers[i > 0 && s === senders[i - 1] ? k : ++k]);
  }

  function flags(packed, count = n) {
    const b = bytes(packed.bits);
    return Array.from({ length: count }, (_, i) => (b[i >> 3] >> (i & 7)) & 1);
  }

  // aggregators travel as JSON, which has no infinity: page.py writes it as text
  const num = (v) => (v === "Infinity" || v === "-Infinity" || v === "NaN" ? Number(v) : v);
  const zeros = new Array(n).fill(0);
  const states = [{ values: unpack(data.initial), halted: zeros, computed: zeros, messages: [], inbox: [] }];
  let senders = [];
  let targets = [];
  let readers = [];
  for (const s of data.steps) {
    // a step without senders and targets sends along the same edges as the step before
    if (s.messages.from) [senders, targets] = [unpack(s.messages.from), unpack(s.messages.to)];
    if (s.inbox.to) readers = unpack(s.inbox.to);
    const from = senders;
    const to = targets;
    const inboxTo = readers;
    states.push({
      ...s,
      values: unpack(s.values),
      halted: flags(s.halted),
      computed: flags(s.computed),
      messages: unpack(s.messages.values, from).map((v, k) => [from[k], to[k], v]),
      inbox: unpack(s.inbox.values).map((v, k) => [inboxTo[k], v]),
    });
  }
  // the graphs of a mutating run: which vertices and edges each has, and the degrees they make
  const shapes = (data.graphs || []).map((g) => {
    const shape = { vertices: flags(g.vertices), edges: flags(g.edges, data.edges.length), out: zeros.slice(), into: zeros.slice() };
    data.edges.forEach(([s, t], k) => {
      if (!shape.edges[k]) return;
      shape.out[s]++;
      shape.into[t]++;
      if (!data.directed && s !== t) {
        shape.out[t]++; // one line stands for both directions
        shape.into[s]++;
      }
    });
    return shape;
  });
  const shapeAt = (p) => (data.graph_at && p >= 0 && p < data.graph_at.length ? shapes[data.graph_at[p]] : null);
  states.forEach((state, p) => Object.assign(state, { shape: shapeAt(p), before: shapeAt(p - 1), after: shapeAt(p + 1) }));
  const here = (kind, k) => !states[position].shape || states[position].shape[kind][k] === 1;
  const xy = data.xy.map((p) => p.slice());
  const edgeIndex = new Map(data.edges.map(([s, t], k) => [s + "," + t, k]));
  let position = 0;
  let playing = null;
  let flight = null;
  let pinned = null;
  let hovered = null;

  // ------------------------------------------------------------------ scales
  let low = 0;
  let high = 1e-12;
  const distinct = new Set();
  for (const state of states) {
    for (const v of state.values) {
      // a label may be text (a vertex named by a string, a matched pair); null is "nothing yet"
      if (typeof v === "string") distinct.add(v);
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
      distinct.add(v);
    }
  }
  const labels = [...distinct].sort((a, b) => (typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === "number" ? -1 : 1));
  const labelIndex = new Map(labels.map((v, k) => [v, k]));

  // what the drawing shows: 4 significant digits (the panel and the tooltips give the exact value)
  function show(v) {
    if (v === null) return "–";
    if (typeof v !== "number") return String(v);
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    return String(Number(v.toPrecision(4)));
  }

  function radius(v) {
    if (data.style !== "rank" || typeof v !== "number" || !Number.isFinite(v)) return R.plain;
    return R.smallest + (R.largest - R.smallest) * Math.sqrt(Math.max(v, 0) / R.high);
  }

  function fill(v) {
    if (data.style === "label" && labelIndex.has(v)) return `hsl(${(labelIndex.get(v) * 137.508) % 360}, 62%, 58%)`;
    if (typeof v !== "number" || !Number.isFinite(v)) return "#e6e6e6";
    if (data.style === "rank") return "#5b8bd9";
    const t = (v - low) / (high - low); // near = dark blue, far = pale yellow
    return `hsl(${220 - 170 * t}, ${55 + 25 * t}%, ${30 + 50 * t}%)`;
  }

  // text and marks in page units, from the size of a plain circle (small for a large graph)
  const nameFont = 11;
  const valueFont = Math.max(7, Math.min(12, 0.9 * R.plain));
  const dotRadius = Math.max(1.8, Math.min(4.5, 0.45 * R.plain));
  const arrow = Math.max(4, Math.min(10, 0.7 * R.plain));
  const READABLE = 7; // screen pixels: smaller text is left out (hover shows it)
  const arrowMarker = svg.querySelector("#arrow");
  arrowMarker.setAttribute("markerWidth", arrow);
  arrowMarker.setAttribute("markerHeight", arrow);

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
    const shape = make("circle", { r: R.plain }, g);
    const name = make("text", { class: "name", dy: "0.35em" }, g);
    name.textContent = id;
    const value = make("text", { class: "value", "font-size": valueFont }, g);
    return { g, shape, name, value, r: R.plain };
  });

  // a straight edge, or a bent one when the reverse edge is drawn too
  function curve(s, t) {
    const [x1, y1] = xy[s];
    const [x2, y2] = xy[t];
    const dx = x2 - x1;
    const dy = y2 - y1;
    const d = Math.hypot(dx, dy) || 1;
    const reverse = edgeIndex.get(t + "," + s);
    const bend = data.directed && reverse !== undefined && here("edges", reverse) ? 0.18 * d : 0;
    const cx = (x1 + x2) / 2 + (bend * dy) / d;
    const cy = (y1 + y2) / 2 - (bend * dx) / d;
    const trim = (x, y, r, tx, ty) => {
      const k = r / (Math.hypot(tx - x, ty - y) || 1);
      return [x + (tx - x) * k, y + (ty - y) * k];
    };
    const a = trim(x1, y1, vertices[s].r, cx, cy);
    const b = trim(x2, y2, vertices[t].r + (data.directed ? 1 : 0), cx, cy);
    return { a, c: [cx, cy], b };
  }

  function along(q, u) {
    const w = (i) => (1 - u) * (1 - u) * q.a[i] + 2 * u * (1 - u) * q.c[i] + u * u * q.b[i];
    return [w(0), w(1)];
  }

  // absent: hidden; added: new in this graph; removed: gone after this superstep's barrier
  function markChange(node, kind, k) {
    const state = states[position];
    if (!state.shape) return;
    const present = state.shape[kind][k] === 1;
    node.classList.toggle("absent", !present);
    node.classList.toggle("added", present && state.before !== null && state.before[kind][k] === 0);
    node.classList.toggle("removed", present && state.after !== null && state.after[kind][k] === 0);
  }

  function drawEdges() {
    edges.forEach((e, k) => markChange(e.path, "edges", k));
    for (const e of edges) {
      if (e.s === e.t) {
        const [x, y] = xy[e.s];
        const r = vertices[e.s].r;
        const k = Math.max(r, 6);
        e.path.setAttribute("d", `M${x - 0.35 * r},${y - r} c${-2 * k},${-2.8 * k} ${2.7 * k},${-2.8 * k} ${0.7 * r},0`);
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
      v.value.setAttribute("y", v.r + 1.1 * valueFont);
      v.value.textContent = show(value);
      markChange(v.g, "vertices", i);
    });
    fitLabels();
  }

  // ------------------------------------------------------------------ labels that fit
  // A name is written inside its circle, as large as fits (at most nameFont); a value below
  // its circle where no other circle or value is. Whatever would be too small on screen to
  // read, or would collide, is left out; hovering over a vertex shows it.
  const textWidth = (text, font) => 0.62 * font * String(text).length;

  function fitLabels() {
    const scale = pixelsPerUnit();
    const shown = vertices.map((_, i) => here("vertices", i));
    for (const v of vertices) {
      const font = Math.min(nameFont, (1.7 * v.r) / (0.62 * Math.max(1, v.name.textContent.length)));
      v.name.setAttribute("font-size", font.toFixed(2));
      v.name.classList.toggle("hidden", font * scale < READABLE);
    }
    const boxes = [];
    const readable = valueFont * scale >= READABLE;
    const order = vertices.map((_, i) => i).filter((i) => shown[i]).sort((a, b) => vertices[b].r - vertices[a].r);
    for (const i of order) {
      const v = vertices[i];
      const w = textWidth(v.value.textContent, valueFont) / 2;
      const box = [xy[i][0] - w, xy[i][1] + v.r, xy[i][0] + w, xy[i][1] + v.r + 1.3 * valueFont];
      const free =
        readable &&
        !boxes.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3]) &&
        !vertices.some((u, j) => j !== i && shown[j] && circleMeetsBox(xy[j], u.r, box));
      v.value.classList.toggle("hidden", !free);
      if (free) boxes.push(box);
    }
  }

  function circleMeetsBox([x, y], r, [x0, y0, x1, y1]) {
    const dx = x - Math.max(x0, Math.min(x, x1));
    const dy = y - Math.max(y0, Math.min(y, y1));
    return dx * dx + dy * dy < r * r;
  }

  // the hovered vertex's id and value, above it, in screen-sized text
  function drawHover() {
    const group = $("hover");
    group.replaceChildren();
    if (hovered === null || !here("vertices", hovered)) return;
    const scale = pixelsPerUnit();
    const font = 12 / scale;
    const [x, y] = xy[hovered];
    const text = `${data.ids[hovered]}: ${show(states[position].values[hovered])}`;
    const w = textWidth(text, font) + font;
    const top = y - vertices[hovered].r - 1.9 * font;
    make("rect", { x: x - w / 2, y: top, width: w, height: 1.5 * font, rx: font / 3 }, group);
    make("text", { x, y: top + 1.08 * font, "font-size": font }, group).textContent = text;
  }

  // ------------------------------------------------------------------ messages
  // where a message is at time u in [0, 1]; a message without a known sender appears above its target
  function messageAt(m, u) {
    const [from, to] = m;
    if (from < 0) return [xy[to][0], xy[to][1] - vertices[to].r - 2.2 * dotRadius * u];
    if (from === to) return [xy[to][0] + 0.8 * vertices[to].r, xy[to][1] - 1.9 * vertices[to].r];
    return along(curve(from, to), u * REST);
  }

  function drawMessages(state) {
    const group = $("messages");
    group.replaceChildren();
    return state.messages.map((m) => {
      const dot = make("circle", { class: "message", r: dotRadius }, group);
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

  // a mutating run: the size of each graph, and what changed, under the superstep
  if (shapes.length) {
    for (const [key, label] of [["vertex-count", "vertices in the graph"], ["edge-count", data.directed ? "edges in the graph" : "undirected edges in it"]]) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.id = key;
      $("stats").append(dt, dd);
    }
    $("phase").after(Object.assign(document.createElement("p"), { id: "mutations" }));
  }

  const count = (marks) => marks.reduce((a, b) => a + b, 0);
  const changed = (from, to, kind) => count(from[kind].map((x, k) => x & (1 - to[kind][k])));
  const plural = { vertex: "vertices", edge: "edges", "undirected edge": "undirected edges" };
  const many = (k, what) => `${k} ${k === 1 ? what : plural[what]}`;

  function drawMutations() {
    const state = states[position];
    if (!state.shape) return;
    $("vertex-count").textContent = count(state.shape.vertices);
    $("edge-count").textContent = count(state.shape.edges);
    const lines = [];
    const edge = data.directed ? "edge" : "undirected edge";
    if (state.before) {
      const [v, e] = [changed(state.shape, state.before, "vertices"), changed(state.shape, state.before, "edges")];
      if (v || e) lines.push(`added ${many(v, "vertex")}, ${many(e, edge)} (green) at the barrier before superstep ${position - 1}`);
    }
    if (state.after) {
      const [v, e] = [changed(state.shape, state.after, "vertices"), changed(state.shape, state.after, "edges")];
      if (v || e) lines.push(`removed ${many(v, "vertex")}, ${many(e, edge)} (red) at the barrier after superstep ${position - 1}`);
    }
    $("mutations").replaceChildren(
      ...(lines.length ? lines : ["the graph does not change here"]).map((text) => Object.assign(document.createElement("div"), { textContent: text })),
    );
  }

  function drawPanel() {
    const step = position > 0 ? states[position] : null;
    $("superstep").textContent = position;
    $("slider").value = position;
    $("phase").textContent = step
      ? `after superstep ${position - 1}` + (position === last ? " (the end of the run)" : "")
      : "initial values, before superstep 0";
    for (const key of ["active", "sent", "combined"]) $(key).textContent = step ? step[key] : "–";
    for (const name of aggregators) {
      const dd = $("agg-" + name);
      dd.textContent = step ? show(num(step.aggregated[name])) : "–";
      dd.title = step ? String(num(step.aggregated[name])) : "";
    }
    drawMutations();
    document.body.dataset.superstep = position;
    try {
      history.replaceState(null, "", "#" + position); // a reload, or a link, opens at this superstep
    } catch (e) {
      // a sandboxed frame (a notebook's) may not change its address; the page works without
    }
    showInfo(pinned);
  }

  function showInfo(i) {
    const box = $("info");
    if (i === null) {
      box.textContent = "Hover over or click a vertex.";
      return;
    }
    const state = states[position];
    if (!here("vertices", i)) {
      box.replaceChildren(...[`vertex ${data.ids[i]}`, "not in the graph at this superstep"].map((text) => Object.assign(document.createElement("div"), { textContent: text })));
      return;
    }
    const [inDegree, outDegree] = state.shape ? [state.shape.into[i], state.shape.out[i]] : [data.in_degree[i], data.out_degree[i]];
    const inbox = state.inbox.filter(([to]) => to === i).map(([, v]) => show(v));
    const lines = [
      `vertex ${data.ids[i]}`,
      `value ${show(state.values[i])}` + (typeof state.values[i] === "number" ? ` (${state.values[i]})` : ""),
      `in-degree ${inDegree}, out-degree ${outDegree}`,
      state.halted[i] ? "halted (voted to halt)" : "active",
      position > 0 ? (state.computed[i] ? "ran compute in this superstep" : "did not run compute") : "",
      inbox.length ? `reads next: ${inbox.join(", ")}` : "",
    ];
    box.replaceChildren(...lines.filter(Boolean).map((text) => Object.assign(document.createElement("div"), { textContent: text })));
  }

  function drawLegend() {
    const meaning = data.meaning || "the value";
    const items = {
      rank: `circle area follows ${meaning}`,
      distance: `colour follows ${meaning}; grey ∞ = unreachable`,
      label: `one colour per value: ${meaning}`,
      value: `colour follows ${meaning}`,
    };
    const lines = [
      items[data.style],
      "orange ring: ran compute (shown when some did not)",
      "faded, dashed: halted",
      "dots: messages in flight (hover for the value)",
      ...(shapes.length ? ["green: new in the graph (a mutation)", "red, dashed: removed at the next barrier"] : []),
      "wheel: zoom; drag the background: pan",
    ];
    $("legend").replaceChildren(...lines.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  }

  // ------------------------------------------------------------------ zoom and pan
  // The view is the SVG's viewBox: zooming and panning change only what part of the page
  // units the canvas shows, so sizes and places stay those of layout.py.
  let view = { x: 0, y: 0, w: data.size[0], h: data.size[1] };

  function setView(next) {
    view = next;
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
    fitLabels();
    drawHover();
  }

  function pixelsPerUnit() {
    const box = svg.getBoundingClientRect();
    return Math.min(box.width / view.w, box.height / view.h) || 1;
  }

  // each circle at its largest over the run, so that no step draws one outside the fitted view
  const largest = Array.from({ length: n }, (_, i) => Math.max(...states.map((state) => radius(state.values[i]))));

  // the vertices' bounding box with a margin, shown whole (the canvas keeps its proportions)
  function fit() {
    if (!n) return;
    const margin = 12;
    const xs = xy.map(([x], i) => [x - largest[i], x + largest[i]]).flat();
    const ys = xy.map(([, y], i) => [y - largest[i], y + largest[i]]).flat();
    let [x0, x1, y0, y1] = [Math.min(...xs) - margin, Math.max(...xs) + margin, Math.min(...ys) - margin, Math.max(...ys) + margin];
    const aspect = data.size[0] / data.size[1];
    if ((x1 - x0) / (y1 - y0) < aspect) {
      const grow = ((y1 - y0) * aspect - (x1 - x0)) / 2;
      [x0, x1] = [x0 - grow, x1 + grow];
    } else {
      const grow = ((x1 - x0) / aspect - (y1 - y0)) / 2;
      [y0, y1] = [y0 - grow, y1 + grow];
    }
    setView({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
  }

  function zoom(factor, [px, py]) {
    const w = Math.max(data.size[0] / 50, Math.min(data.size[0] * 3, view.w * factor));
    const k = w / view.w;
    setView({ x: px - (px - view.x) * k, y: py - (py - view.y) * k, w, h: view.h * k });
  }

  svg.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const step = e.deltaMode === 1 ? 40 * e.deltaY : e.deltaY; // lines or pixels
      zoom(Math.exp(step * 0.0015), toSvg(e));
    },
    { passive: false },
  );

  svg.addEventListener("pointerdown", (e) => {
    if (e.target.closest(".vertex") || e.button !== 0) return;
    e.preventDefault();
    svg.setPointerCapture(e.pointerId);
    const start = { ...view };
    const scale = pixelsPerUnit();
    const [cx, cy] = [e.clientX, e.clientY];
    let moved = false;
    const move = (e) => {
      moved = moved || Math.hypot(e.clientX - cx, e.clientY - cy) > 3;
      if (moved) setView({ ...start, x: start.x - (e.clientX - cx) / scale, y: start.y - (e.clientY - cy) / scale });
    };
    const up = () => {
      svg.removeEventListener("pointermove", move);
      svg.removeEventListener("pointerup", up);
      svg.removeEventListener("pointercancel", up);
      svg.classList.remove("panning");
      if (!moved) {
        pinned = null; // a click on the background lets go of the pinned vertex
        showInfo(null);
      }
    };
    svg.classList.add("panning");
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerup", up);
    svg.addEventListener("pointercancel", up);
  });
  $("fit").addEventListener("click", fit);
  new ResizeObserver(() => {
    fitLabels();
    drawHover();
  }).observe(svg);

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
    drawHover();
  }

  function redraw() {
    drawVertices(states[position]);
    drawEdges();
    placeMessages(drawMessages(states[position]), 1);
    drawHover();
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
    const keys = {
      ArrowRight: () => go(position + 1, true),
      ArrowLeft: () => go(position - 1, false),
      " ": play,
      Home: () => go(0, false),
      f: fit,
    };
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
    v.g.addEventListener("pointerenter", () => {
      hovered = i;
      drawHover();
      showInfo(i);
    });
    v.g.addEventListener("pointerleave", () => {
      hovered = null;
      drawHover();
      showInfo(pinned);
    });
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

  drawLegend();
  go(Number(location.hash.slice(1)) || 0, false);
  fit();
})();
