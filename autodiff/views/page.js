// The script of deltagrad's step-by-step pages (autodiff/views/slides.py writes it in).
//
// Two parts. The stepper, on every page: Previous/Next, the arrow keys, a slider and
// #step=N move through the steps, outlining each step's parts of the picture.
// The live part, on a live page (one whose data, a <script id="deltagrad-live">,
// carries the graph; autodiff/views/live.py): every number a person may change is an
// input marked data-param; on each edit the page replays the graph with the op table's
// JavaScript twins (OPS, generated from the Python rules by autodiff/views/op_twins.py,
// written in before this script), then writes every quantity back into the page: the
// steps' values (data-value, full precision) and plugged-in numbers, the picture's
// labels and colours. The state is kept in the address: #step=7&w_12^2=0.75.
//
// Numbers are written as Python writes them (pyRepr: repr; formatG: "%.6g"), so that
// the page after an edit reads as the page Python writes for the same numbers.
// Nothing here knows a derivative: that is OPS's, read from the rules.

"use strict";

// ------------------------------------------------------------------ numbers as Python writes them

class OpError extends Error {
  // An operation refused its operands, as its Python rule raises kind(message).
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

function decimalDigits(x) {
  // x > 0 as [digits, exponent]: x = 0.d1d2d3... * 10^(exponent + 1), exactly (for a double,
  // whose decimal expansion ends, toPrecision(100) shows every digit that matters).
  const [mantissa, exp] = x.toPrecision(100).includes("e")
    ? x.toPrecision(100).split("e") : [x.toPrecision(100), null];
  if (exp !== null) return [mantissa.replace(".", ""), parseInt(exp, 10)];
  const [whole, fraction = ""] = mantissa.split(".");
  const all = (whole + fraction).replace(/^0+/, "");
  const lead = whole.replace(/^0+/, "").length;
  const zeros = lead ? 0 : fraction.length - fraction.replace(/^0+/, "").length;
  return [all, lead ? lead - 1 : -zeros - 1];
}

function roundDigits(digits, p) {
  // The first p digits rounded half to even, as Python's formatting rounds:
  // [digits, carried] (carried: the rounding made one more digit, 9.99 -> 10.0).
  const kept = digits.slice(0, p).split("").map(Number);
  const rest = digits.slice(p);
  const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) ||
             (kept[p - 1] % 2 === 1)));
  if (!up) return [kept, false];
  let i = p - 1;
  while (i >= 0 && kept[i] === 9) kept[i--] = 0;
  if (i < 0) return [[1, ...kept.slice(0, p - 1)], true];
  kept[i] += 1;
  return [kept, false];
}

function formatG(x, p) {
  // Python's format(x, f".{p}g"): p significant digits, trailing zeros dropped,
  // scientific notation below 1e-4 and from 10^p on.
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  p = Math.max(p, 1);
  const sign = x < 0 ? "-" : "";
  let [digits, exp] = decimalDigits(Math.abs(x));
  const [kept, carried] = roundDigits(digits.padEnd(p + 1, "0"), p);
  if (carried) exp += 1;
  const d = kept.join("");
  if (exp < -4 || exp >= p) {
    const mantissa = (d[0] + "." + d.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${d}`.replace(/0+$/, "");
  const whole = d.slice(0, exp + 1);
  const fraction = d.slice(exp + 1).replace(/0+$/, "");
  return sign + whole + (fraction ? "." + fraction : "");
}

function pyRepr(x) {
  // Python's repr of a float: the shortest digits that read back as x.
  if (typeof x !== "number") return String(x);
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [m, e] = Math.abs(x).toExponential().split("e");
  const exp = parseInt(e, 10);
  const digits = m.replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
}

const pyStr = pyRepr;

function plainNumber(x, digits) {
  // autodiff.views.notation.plain_number: never "-0"
  const s = formatG(x, digits);
  return s === "-0" ? "0" : s;
}

function shownNumber(x, digits, bracket) {
  // autodiff.views.steps.number in HTML: a true minus sign, in parentheses when asked
  const s = plainNumber(x, digits).replace(/-/g, "\u2212");
  return bracket && s.startsWith("\u2212") ? `(${s})` : s;
}

// ------------------------------------------------------------------ the graph, replayed

function opOf(name) {
  // The twin of Value.op `name`, and a number power's exponent: ops.lookup in JavaScript.
  if (name in OPS) return [OPS[name], null];
  if (name.startsWith("**")) return [OPS["**n"], parseFloat(name.slice(2))];
  throw new Error(`the page knows no operation ${name}`);
}

function replay(graph, params) {
  // Every node's data and local derivatives (parents first), then C.backward()'s sweep:
  // the grads, each node adding grad * local derivative into its operands, as
  // autodiff.value.chain_rule does, in the same order.
  const nodes = graph.nodes;
  const n = nodes.length;
  const data = new Float64Array(n), grad = new Float64Array(n);
  const dx = new Float64Array(n), dy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    if ("param" in node) data[i] = params[node.param];
    else if ("constant" in node) data[i] = node.constant;
    else if ("copy" in node) data[i] = data[node.copy];
    else {
      const [op, exponent] = opOf(node.op);
      const operands = "y" in node ? [data[node.x], data[node.y]] : [data[node.x]];
      const out = exponent === null ? op.rule(...operands) : op.rule(operands[0], exponent);
      if (!Number.isFinite(out[0])) {
        const shown = operands.map(pyRepr).join(` ${node.op} `);
        throw new OpError("OverflowError", `${node.op === "**n" ? "" : ""}${shown}` +
                          ` = ${pyRepr(out[0])}: the result is beyond the largest float`);
      }
      data[i] = out[0];
      dx[i] = out[1];
      if ("y" in node) dy[i] = out[2];
    }
  }
  grad[graph.root] = 1.0;
  for (let i = graph.root; i >= graph.start; i--) {
    const node = nodes[i];
    if (!("op" in node)) continue;
    const g = grad[i];
    grad[node.x] += dx[i] * g;
    if ("y" in node) grad[node.y] += dy[i] * g;
  }
  for (let i = graph.start; i <= graph.root; i++) {
    if (!Number.isFinite(grad[i])) {
      throw new OpError("OverflowError", "backward: a gradient is beyond the largest float; " +
                        "the derivatives along some path multiply beyond it");
    }
  }
  return { data, grad, dx, dy, params };
}

function slope(graph, state, out, input, between) {
  // d out / d input through the nodes `between` alone (input first, out last): the
  // sweep of a graph of its own, as Activation.autograd_prime differentiates f(z).
  const inside = new Set(between);
  const g = new Map(between.map(function (i) { return [i, 0.0]; }));
  g.set(out, 1.0);
  for (let k = between.length - 1; k >= 0; k--) {
    const i = between[k];
    const node = graph.nodes[i];
    if (i === input || !("op" in node)) continue;
    if (inside.has(node.x)) g.set(node.x, g.get(node.x) + state.dx[i] * g.get(i));
    if ("y" in node && inside.has(node.y)) g.set(node.y, g.get(node.y) + state.dy[i] * g.get(i));
  }
  return g.get(input);
}

function quantity(graph, state, q) {
  // The number a quantity of the page stands for (autodiff.views.live.Source).
  switch (q.kind) {
    case "data": return state.data[q.node];
    case "grad": return state.grad[q.node];
    case "param": return state.params[q.param];
    case "slope": return slope(graph, state, q.node, q.input, q.between);
    case "descent": return state.data[q.node] - state.params[q.param] * state.grad[q.node];
  }
  throw new Error(`the page knows no quantity ${q.kind}`);
}

function recompute(live, params) {
  // Every quantity of the page, for the numbers `params`.
  const state = replay(live.graph, params);
  return live.quantities.map(function (q) { return quantity(live.graph, state, q); });
}

// ------------------------------------------------------------------ the page

function stepper(page) {
  // Previous/Next, arrows, slider, #step=N; page.onStep(step) is told every move.
  const items = Array.from(document.querySelectorAll("#list li"));
  const slider = document.getElementById("slider");
  const counter = document.getElementById("counter");
  const current = document.getElementById("current");
  const self = { step: 1, items: items };
  self.show = function (k, quiet) {
    self.step = Math.min(Math.max(k, 1), items.length);
    slider.value = self.step;
    counter.textContent = "step " + self.step + " of " + items.length;
    items.forEach(function (li, i) { li.classList.toggle("current", i === self.step - 1); });
    const li = items[self.step - 1];
    current.innerHTML = "<b>Step " + self.step + ".</b> " + li.innerHTML;
    current.dataset.symbol = li.dataset.symbol;
    current.dataset.value = li.dataset.value;
    page.outline(page.highlights[self.step - 1], "hl");
    page.onStep(self.step);
    if (!quiet) li.scrollIntoView({ block: "nearest" });
    page.writeAddress();
  };
  document.getElementById("prev").addEventListener("click", function () { self.show(self.step - 1); });
  document.getElementById("next").addEventListener("click", function () { self.show(self.step + 1); });
  slider.addEventListener("input", function () { self.show(parseInt(slider.value, 10)); });
  items.forEach(function (li, i) { li.addEventListener("click", function () { self.show(i + 1); }); });
  document.addEventListener("keydown", function (e) {
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { self.show(self.step + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") { self.show(self.step - 1); e.preventDefault(); }
    if (e.key === "Home") self.show(1);
    if (e.key === "End") self.show(items.length);
  });
  return self;
}

function pictureParts() {
  // The picture's nodes and edges by their DOT names (the groups' first <title>).
  const parts = {};
  document.querySelectorAll("#picture g.node, #picture g.edge").forEach(function (g) {
    const title = g.querySelector("title");
    if (title) parts[title.textContent.replace(/\s+/g, "")] = g;
  });
  return parts;
}

function readAddress() {
  // #step=7&w_12^2=0.75 -> {step: "7", "w_12^2": "0.75"}
  const out = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
    if (!pair) return;
    const at = pair.indexOf("=");
    if (at < 0) return;
    try {
      out[decodeURIComponent(pair.slice(0, at))] = decodeURIComponent(pair.slice(at + 1));
    } catch (error) { /* a malformed pair is ignored, as a link typed by hand may have */ }
  });
  return out;
}

function addressPart(text) {
  return encodeURIComponent(text).replace(/%5E/g, "^").replace(/%2C/g, ",");
}

function Page() {
  const page = this;
  const liveData = document.getElementById("deltagrad-live");
  page.highlights = JSON.parse(document.getElementById("deltagrad-highlights").textContent);
  page.live = liveData ? JSON.parse(liveData.textContent) : null;
  page.parts = pictureParts();
  page.outline = function (names, cls) {
    Object.values(page.parts).forEach(function (g) { g.classList.remove(cls); });
    (names || []).forEach(function (name) {
      if (page.parts[name]) page.parts[name].classList.add(cls);
    });
  };
  page.onStep = function () {};
  page.writeAddress = function () {
    const pairs = ["step=" + page.stepper.step];
    if (page.edited) {
      page.inputs.forEach(function (input) {
        if (input.value !== input.defaultValue) {
          pairs.push(addressPart(input.dataset.param) + "=" + addressPart(input.value));
        }
      });
    }
    const hash = "#" + pairs.join("&");
    if (location.hash !== hash) history.replaceState(null, "", hash);
  };
  page.inputs = Array.from(document.querySelectorAll("input[data-param]"));
  page.edited = false;
  page.stepper = stepper(page);
  if (page.live) livePage(page);
  function fromAddress() {
    const state = readAddress();
    if (page.live) page.setParams(state);
    page.stepper.show(parseInt(state.step || "1", 10) || 1, true);
  }
  window.addEventListener("hashchange", fromAddress);
  fromAddress();
}

// ------------------------------------------------------------------ the live part

function livePage(page) {
  const live = page.live;
  const status = document.getElementById("status");
  const spans = Array.from(document.querySelectorAll("[data-q]"));
  const items = page.stepper.items;
  const picture = pictureTexts(page.parts, live.picture);
  let values = null;

  function params() {
    // The numbers typed, checked: a name and what is wrong, or the numbers.
    const out = {};
    const wrong = [];
    page.inputs.forEach(function (input) {
      const text = input.value.trim();
      const x = Number(text);
      const bad = text === "" || !Number.isFinite(x) ||
                  (input.dataset.positive !== undefined && !(x > 0));
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      if (bad) wrong.push(input.dataset.spoken + (input.dataset.positive !== undefined
                          ? " must be a positive number" : " must be a number"));
      out[input.dataset.param] = x;
    });
    return wrong.length ? { wrong: wrong } : { params: out };
  }

  function write() {
    spans.forEach(function (span) {
      const v = values[+span.dataset.q];
      if (span.tagName === "LI") span.dataset.value = pyRepr(v);
      else span.textContent = shownNumber(v, live.digits, span.dataset.b === "1");
    });
    picture.write(values, live);
    page.stepper.show(page.stepper.step, true);
  }

  page.recompute = function () {
    const typed = params();
    if (typed.wrong) {
      status.textContent = "Not recomputed: " + typed.wrong.join("; ") + ".";
      document.body.classList.add("stale");
      return;
    }
    try {
      values = recompute(live, typed.params);
    } catch (error) {
      status.textContent = "Not recomputed: " + error.message;
      document.body.classList.add("stale");
      return;
    }
    document.body.classList.remove("stale");
    const changed = page.inputs.filter(function (i) { return i.value !== i.defaultValue; });
    status.textContent = changed.length
      ? "Recomputed with " + changed.map(function (i) {
          return i.dataset.spoken + " = " + i.value.trim(); }).join(", ") + "."
      : "The numbers the page was made with.";
    write();
  };

  page.setParams = function (state) {
    page.inputs.forEach(function (input) {
      const typed = state[input.dataset.param];
      input.value = typed === undefined ? input.defaultValue : typed;
    });
    page.edited = page.inputs.some(function (i) { return i.value !== i.defaultValue; });
    page.recompute();
  };

  page.inputs.forEach(function (input) {
    ["input", "change"].forEach(function (kind) {
      input.addEventListener(kind, function () {
        page.edited = true;
        page.recompute();
      });
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    page.setParams({});
    page.edited = false;
    page.writeAddress();
  });
  page.onStep = function (step) { picture.reveal(step); };
  linkedHighlights(page, live, items);
}

function pictureTexts(parts, info) {
  // The picture's numbers and colours: info.texts lists, for a part, the quantity of each
  // number it writes (in order) and the step that reveals it; info.edges, info.fills and
  // info.tags the quantities behind the edges' colours and widths and the nodes' shading.
  const slots = [];
  info.texts.forEach(function (t) {
    const g = parts[t.part];
    if (!g) return;
    const found = numberTexts(g);
    t.numbers.forEach(function (n, k) {
      if (found[k]) slots.push({ node: found[k], q: n.q, reveal: n.reveal, line: lineOf(g, found[k]) });
    });
  });
  function colourOf(v) { return v >= 0 ? info.positive : info.negative; }
  return {
    write: function (values, live) {
      slots.forEach(function (s) {
        s.node.data = s.node.data.replace(NUMBER_AT_END, "= " + shownNumber(values[s.q], info.digits));
      });
      const largestW = Math.max.apply(null, info.edges.map(function (e) { return Math.abs(values[e.q]); })) || 1;
      info.edges.forEach(function (e) {
        const g = parts[e.part];
        if (!g) return;
        const v = values[e.q];
        const width = info.widths[0] + (info.widths[1] - info.widths[0]) * Math.abs(v) / largestW;
        g.querySelectorAll("path").forEach(function (p) {
          p.setAttribute("stroke", colourOf(v));
          p.setAttribute("stroke-width", width.toFixed(2));
        });
        g.querySelectorAll("polygon").forEach(function (p) {
          p.setAttribute("stroke", colourOf(v));
          p.setAttribute("fill", colourOf(v));
        });
        retitle(g, e.tooltip, formatG(v, info.digits));
      });
      info.tags.forEach(function (t) {
        const g = parts[t.part];
        if (!g) return;
        g.querySelectorAll("text, tspan").forEach(function (el) {
          if (el.hasAttribute("fill") || el.tagName === "text") el.setAttribute("fill", colourOf(values[t.q]));
        });
      });
      info.tooltips.forEach(function (t) {
        if (parts[t.part]) retitle(parts[t.part], t.tooltip, formatG(values[t.q], info.digits));
      });
      const largestD = Math.max.apply(null, info.fills.map(function (f) { return Math.abs(values[f.q]); }));
      info.fills.forEach(function (f) {
        f.shade = largestD ? shade(values[f.q], largestD, info) : info.plain;
      });
      this.fills = info.fills;
    },
    reveal: function (step) {
      slots.forEach(function (s) {
        s.line.forEach(function (el) { el.style.visibility = step >= s.reveal ? "" : "hidden"; });
      });
      (this.fills || []).forEach(function (f) {
        const shape = parts[f.part] && parts[f.part].querySelector("ellipse, polygon, path");
        if (shape) shape.setAttribute("fill", step >= f.reveal ? f.shade : f.plain);
      });
    },
  };
}

const NUMBER_AT_END = /= [\u2212-]?[0-9.]+(?:e[+\u2212-]?[0-9]+)?$/;

function numberTexts(g) {
  // The text nodes of a part that end in "= number", in document order.
  const out = [];
  const walker = document.createTreeWalker(g, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentNode.closest("title") === null && NUMBER_AT_END.test(node.data)) out.push(node);
  }
  return out;
}

function lineOf(g, textNode) {
  // The <text> elements of the line a number is on: those at its height (Graphviz sets a
  // line's runs as several <text>s at one y; deltagrad as one <text> with <tspan>s).
  const text = textNode.parentNode.closest("text");
  const y = text.getAttribute("y");
  return Array.from(g.querySelectorAll("text")).filter(function (t) { return t.getAttribute("y") === y; });
}

function retitle(g, symbol, shown) {
  // A tooltip "w_11^2 = 0.15" (a <title>, or Graphviz's xlink:title) with the new number.
  const text = symbol + " = " + shown;
  g.querySelectorAll("title").forEach(function (t, i) {
    if (i > 0 || g.querySelectorAll("title").length === 1) {
      if (t.textContent.startsWith(symbol + " = ")) t.textContent = text;
    }
  });
  g.querySelectorAll("a").forEach(function (a) {
    const old = a.getAttribute("xlink:title") || a.getAttributeNS("http://www.w3.org/1999/xlink", "title");
    if (old && old.startsWith(symbol + " = ")) {
      a.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:title", text);
    }
  });
}

function shade(d, largest, info) {
  // nn.lecture.diagrams._shade: white for 0, up to the full colour of d's sign
  const t = Math.abs(d) / largest;
  const full = d >= 0 ? info.positiveFill : info.negativeFill;
  return "#" + full.map(function (c) {
    return Math.round(255 + (c - 255) * t).toString(16).padStart(2, "0");
  }).join("");
}

function linkedHighlights(page, live, items) {
  // Hovering (or focusing) a quantity outlines where it comes from and where it goes:
  // the step that computes it, the steps that use it, and the step's parts of the picture.
  const homes = live.homes;  // quantity -> the step (1-based) computing it, or 0
  const users = {};
  items.forEach(function (li, i) {
    li.querySelectorAll("span[data-q]").forEach(function (s) {
      (users[s.dataset.q] = users[s.dataset.q] || new Set()).add(i);
    });
  });
  function clear() {
    items.forEach(function (li) { li.classList.remove("from", "to"); });
    page.inputs.forEach(function (input) { input.classList.remove("from"); });
    page.outline([], "linked");
  }
  function link(q, own) {
    clear();
    const home = homes[q];
    if (home) {
      items[home - 1].classList.add("from");
      page.outline(page.highlights[home - 1], "linked");
    }
    (live.params[q] || []).forEach(function (name) {
      page.inputs.forEach(function (input) {
        if (input.dataset.param === name) input.classList.add("from");
      });
    });
    (users[q] || new Set()).forEach(function (i) { if (i !== own) items[i].classList.add("to"); });
  }
  items.forEach(function (li, i) {
    const own = li.dataset.q;
    function enter(e) {
      const span = e.target.closest && e.target.closest("span[data-q]");
      link(span ? span.dataset.q : own, span ? -1 : i);
    }
    li.addEventListener("mouseover", enter);
    li.addEventListener("focusin", enter);
    li.addEventListener("mouseleave", clear);
    li.addEventListener("focusout", clear);
  });
}

if (typeof document !== "undefined") {
  new Page();
}
