// The Draw page's answer, on the visitor's device: read the canvas while the pen moves, preprocess
// it as Python does (preprocess.js), run the active model's browser copy in ONNX Runtime Web, and
// show the digit, the top three, the ten probabilities and the 28x28 image the model sees.
//
// ui/live.py mounts it (a Streamlit v2 component) with `data`:
//   canvas: the canvas's widget key; model: {url, check_input, check_probabilities} or null;
//   server: {probabilities, pixels} when the server answered instead (an upload, or no browser copy);
//   words: every sentence it shows (translated on the server).
// It tells the server one thing, `engine`: "device" once the model answers here, "server" (with
// `reason`) when it cannot, so the page falls back to answering on the server.

import { preprocess } from "./preprocess.js";

const RUNTIME = "vendor/onnxruntime-web/";
const CHECK_TOLERANCE = 0.01; // the browser copy must give the server's probabilities on its check digit
const HEALTH_EVERY_MS = 3000;
const SETTLE_MS = 120; // after a pen lift, the canvas has moved the stroke to its drawing

let runtime = null; // Promise of the ort module, loaded once per page
const sessions = new Map(); // model url -> Promise of a checked session
const lastSent = new Map(); // canvas key -> the picture last sent
export const latencies = [];
export const parts = []; // where each of those ms went: waiting for the frame, reading, preprocessing, the model, drawing // ms from a pointer event to the answer it caused (bench/live_pen.py reads them)

function base() {
  return new URL("/live/files/", window.location.origin).href;
}

function loadRuntime() {
  runtime ??= import(base() + RUNTIME + "ort.wasm.bundle.min.mjs").then((ort) => {
    ort.env.wasm.numThreads = 1; // threads need cross-origin isolation; one digit needs none
    ort.env.wasm.wasmPaths = { wasm: base() + RUNTIME + "ort-wasm-simd-threaded.wasm" }; // the glue is in the bundle
    return ort;
  });
  return runtime;
}

async function checkedSession(model) {
  const ort = await loadRuntime();
  const session = await ort.InferenceSession.create(model.url, { executionProviders: ["wasm"] });
  const run = async (pixels) => {
    const input = new ort.Tensor("float32", pixels, [1, 28, 28]);
    const output = await session.run({ [session.inputNames[0]]: input });
    return Array.from(output[session.outputNames[0]].data);
  };
  const got = await run(Float32Array.from(model.check_input));
  const worst = Math.max(...got.map((p, i) => Math.abs(p - model.check_probabilities[i])));
  if (!(worst <= CHECK_TOLERANCE)) throw new Error(`its browser copy answers differently (by ${worst.toFixed(3)})`);
  return run;
}

function sessionFor(model) {
  if (!sessions.has(model.url)) sessions.set(model.url, checkedSession(model));
  return sessions.get(model.url);
}

// Every element of the canvas component, across shadow roots.
function findAll(root, selector) {
  const found = [...root.querySelectorAll(selector)];
  for (const element of root.querySelectorAll("*")) {
    if (element.shadowRoot) found.push(...findAll(element.shadowRoot, selector));
  }
  return found;
}

const found = new Map(); // canvas key -> its layers, looked up once (again only once they leave the page)

function canvasOf(key) {
  const known = found.get(key);
  if (known && known.layers.every((layer) => layer.isConnected)) return known;
  const holder = document.querySelector(".st-key-" + CSS.escape(key));
  if (!holder) return null;
  // Its layers in document order: the background, the drawing, the stroke the pen is drawing now.
  const layers = findAll(holder, "canvas.lower-canvas, canvas.upper-canvas");
  if (!layers.length) return null;
  found.set(key, { holder, layers, pixels: null, stroke: null }); // pixels and stroke: see readPixels
  return found.get(key);
}

// The drawing as the server would get it: the canvas's 280x280 grid, the stroke in progress included.
// While the pen draws, the canvas changes only around its stroke: the first answer of a stroke reads
// the whole canvas, the next ones only the stroke's box (getImageData costs what it copies).
function readPixels(canvas, size) {
  const box = canvas.pixels && canvas.stroke && clamped(canvas.stroke, size);
  if (!box) {
    canvas.pixels = composed(canvas, size, { left: 0, top: 0, right: size, bottom: size });
    return canvas.pixels;
  }
  if (box.right <= box.left || box.bottom <= box.top) return canvas.pixels;
  const part = composed(canvas, size, box);
  const rowBytes = (box.right - box.left) * 4;
  for (let row = box.top; row < box.bottom; row++) {
    const from = (row - box.top) * rowBytes;
    canvas.pixels.set(part.subarray(from, from + rowBytes), (row * size + box.left) * 4);
  }
  return canvas.pixels;
}

// The layers composed on black, in `box` only (the clip keeps the same pixels as a whole composition).
function composed(canvas, size, { left, top, right, bottom }) {
  const context = scratchContext(size);
  context.save();
  context.beginPath();
  context.rect(left, top, right - left, bottom - top);
  context.clip();
  context.fillStyle = "#000";
  context.fillRect(left, top, right - left, bottom - top);
  for (const layer of canvas.layers) context.drawImage(layer, 0, 0, size, size);
  context.restore();
  return context.getImageData(left, top, right - left, bottom - top).data;
}

// A box in whole pixels of the size x size grid.
function clamped(box, size) {
  const edge = (v) => Math.min(size, Math.max(0, v));
  return {
    left: edge(Math.floor(box.left)),
    top: edge(Math.floor(box.top)),
    right: edge(Math.ceil(box.right)),
    bottom: edge(Math.ceil(box.bottom)),
  };
}

// Where the pen has drawn since its stroke began (null when no stroke is in progress), in grid
// pixels: each point it went through, widened by half the pen and a margin for the canvas's
// smoothing and scaling. The path the canvas draws between points stays within their box.
function followPen(canvas, event, size, pen) {
  if (event.type === "pointerdown") {
    canvas.pixels = null; // the stroke's first answer reads the whole canvas
    canvas.stroke = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
  } else if (event.type !== "pointermove" || !canvas.stroke || event.buttons === 0) {
    canvas.stroke = null; // the pen is up (or the stroke ended unseen): read the whole canvas again
    return;
  }
  const layer = canvas.layers[canvas.layers.length - 1].getBoundingClientRect();
  const scale = size / layer.width; // the canvas may be shown scaled down (ui/screen.py)
  const x = (event.clientX - layer.left) * scale, y = (event.clientY - layer.top) * scale;
  const reach = pen / 2 + 3;
  const box = canvas.stroke;
  box.left = Math.min(box.left, x - reach), box.right = Math.max(box.right, x + reach);
  box.top = Math.min(box.top, y - reach), box.bottom = Math.max(box.bottom, y + reach);
}

// A canvas to compose the layers on, made once: setting a canvas's size, even to the same one, makes
// it a new, empty bitmap.
let scratch = null;
function scratchContext(size) {
  if (!scratch || scratch.canvas.width !== size) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    scratch = canvas.getContext("2d", { willReadFrequently: true }); // kept in memory: read every move
  }
  return scratch;
}

function build(parent, words) {
  const box = document.createElement("section");
  box.className = "dl-live";
  box.setAttribute("aria-label", words.region);
  box.innerHTML = `
    <p class="dl-answer" data-testid="live-answer" aria-live="polite"></p>
    <p class="dl-top"></p>
    <div class="dl-row">
      <figure class="dl-seen"><canvas width="28" height="28" role="img"></canvas><figcaption></figcaption></figure>
      <ul class="dl-bars"></ul>
    </div>
    <p class="dl-note"></p>
    <p class="dl-offline" role="status" hidden></p>`;
  const bars = box.querySelector(".dl-bars");
  bars.setAttribute("aria-label", words.bars);
  for (let digit = 0; digit < 10; digit++) {
    const row = document.createElement("li");
    row.innerHTML = `<span class="dl-digit">${digit}</span><span class="dl-bar" aria-hidden="true"><span></span></span><span class="dl-percent"></span>`;
    bars.append(row);
  }
  box.querySelector("figcaption").textContent = words.seen;
  parent.append(box);
  return box;
}

// Percentages as the page's language writes them (98%, 98 %): ui/language.py sets <html lang>.
let formats = { lang: null };
function percents() {
  const lang = document.documentElement.lang || "en";
  if (formats.lang !== lang) {
    const style = { style: "percent" };
    formats = {
      lang,
      whole: new Intl.NumberFormat(lang, { ...style, maximumFractionDigits: 0 }),
      tenth: new Intl.NumberFormat(lang, { ...style, minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    };
  }
  return formats;
}
const percent = (p) => percents().whole.format(p);

// The box's elements, looked up once per box: the answer writes to them many times a second.
const views = new WeakMap();
function viewOf(box) {
  if (!views.has(box)) {
    const seen = box.querySelector(".dl-seen canvas");
    views.set(box, {
      answer: box.querySelector(".dl-answer"),
      top: box.querySelector(".dl-top"),
      row: box.querySelector(".dl-row"),
      seen,
      seenContext: seen.getContext("2d"),
      image: new ImageData(28, 28),
      bars: [...box.querySelectorAll(".dl-bars li")].map((row) => ({
        row,
        bar: { element: row.querySelector(".dl-bar span"), transform: null },
        percent: row.querySelector(".dl-percent"),
      })),
    });
  }
  return views.get(box);
}

// Text, attributes and styles changed only where they differ: each change is work for the next frame.
function write(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
function writeAttribute(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}
function writeTransform(bar, transform) {
  if (bar.transform !== transform) bar.element.style.transform = bar.transform = transform; // the style reads back normalized
}

function show(box, words, probabilities, pixels) {
  const view = viewOf(box);
  const ranked = probabilities.map((p, d) => [p, d]).sort((a, b) => b[0] - a[0]);
  const [best, digit] = ranked[0];
  view.answer.classList.remove("dl-message");
  write(view.answer, words.answer.replace("{digit}", digit).replace("{sure}", percent(best)));
  write(view.top, words.top + " " + ranked.slice(0, 3).map(([p, d]) => `${d}: ${percents().tenth.format(p)}`).join(" · "));
  view.bars.forEach(({ row, bar, percent: label }, d) => {
    if (row.classList.contains("dl-best") !== (d === digit)) row.classList.toggle("dl-best", d === digit);
    writeTransform(bar, `scaleX(${probabilities[d].toFixed(3)})`);
    write(label, percent(probabilities[d]));
  });
  showSeen(view, pixels);
  writeAttribute(view.seen, "aria-label", words.seen_alt.replace("{digit}", digit));
  if (view.row.hidden) view.row.hidden = false;
}

// The 28x28 image the model sees, as gray levels.
function showSeen(view, pixels) {
  const rgba = view.image.data;
  for (let i = 0; i < pixels.length; i++) {
    const level = Math.round(pixels[i]); // the clamped array keeps it in 0-255
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = level;
    rgba[i * 4 + 3] = 255;
  }
  view.seenContext.putImageData(view.image, 0, 0);
}

function showMessage(box, text) {
  box.querySelector(".dl-answer").textContent = text;
  box.querySelector(".dl-answer").classList.add("dl-message");
  box.querySelector(".dl-top").textContent = "";
  box.querySelector(".dl-row").hidden = true;
}

function watchServer(box, words) {
  const note = box.querySelector(".dl-offline");
  const look = async () => {
    if (document.hidden) return;
    let reached = false;
    try {
      const answer = await fetch(new URL("/_stcore/health", window.location.origin), {
        cache: "no-store",
        signal: AbortSignal.timeout(2000),
      });
      reached = answer.ok;
    } catch {
      reached = false;
    }
    note.hidden = reached;
    note.textContent = reached ? "" : words.offline;
  };
  const timer = setInterval(look, HEALTH_EVERY_MS);
  return () => clearInterval(timer);
}

export function mount(component) {
  const { parentElement, data, setStateValue } = component;
  const words = data.words;
  const box = parentElement.querySelector(".dl-live") || build(parentElement, words);
  const note = box.querySelector(".dl-note");
  if (!box.querySelector(".dl-answer").textContent) showMessage(box, words.draw);
  if (!data.model) {
    note.textContent = words.on_server;
    if (data.server) show(box, words, data.server.probabilities, data.server.pixels);
    else showMessage(box, words.draw);
  }
  note.textContent = words.starting;
  let run = null;
  let pending = false;
  let busy = false;
  let since = null; // the first pointer event not yet answered

  const answer = async () => {
    pending = false;
    const canvas = canvasOf(data.canvas);
    if (!run || !canvas) return;
    if (busy) return void (pending = true);
    busy = true;
    const caused = since;
    since = null;
    try {
      const start = performance.now();
      const rgba = readPixels(canvas, data.size);
      const read = performance.now();
      const pixels = preprocess(rgba, data.size, data.size);
      const prepared = performance.now();
      const probabilities = await run(pixels);
      const ran = performance.now();
      show(box, words, probabilities, pixels);
      const shown = performance.now();
      if (caused !== null) {
        latencies.push(shown - caused);
        parts.push({ wait: start - caused, read: read - start, preprocess: prepared - read, run: ran - prepared, show: shown - ran });
      }
    } catch (error) {
      if (error.name !== "BlankImageError") throw error;
      showMessage(box, error.message.startsWith("The image is blank") ? words.draw : error.message);
    } finally {
      busy = false;
      if (pending) requestAnimationFrame(answer);
    }
  };
  // As soon as the canvas has drawn the pen's events, once for all of them. Chromium hands a frame's
  // moves to the page at the start of that frame, right before its animation callbacks: there the
  // answer is drawn in the same frame as the stroke. An event that comes in a task of its own (a
  // press, or a browser that does not wait for the frame) is answered in the task right after it.
  const soon = new MessageChannel();
  const answerIfPending = () => pending && answer();
  soon.port1.onmessage = answerIfPending;
  const schedule = (event) => {
    const canvas = canvasOf(data.canvas);
    if (!canvas || !event.composedPath().includes(canvas.holder)) return;
    since ??= event.timeStamp;
    if (pending) return;
    pending = true;
    requestAnimationFrame(answerIfPending);
    if (!busy) soon.port2.postMessage(null);
  };
  // The last picture sent to the server for this canvas (only while a view needs it): kept across mounts.
  const sendPicture = () => {
    const canvas = canvasOf(data.canvas);
    if (!data.send || !canvas) return;
    const scratch = document.createElement("canvas");
    scratch.width = scratch.height = data.size;
    scratch.getContext("2d").putImageData(new ImageData(readPixels(canvas, data.size), data.size), 0, 0);
    const picture = scratch.toDataURL("image/png");
    if (picture !== lastSent.get(data.canvas)) {
      lastSent.set(data.canvas, picture);
      setStateValue("picture", picture);
    }
  };
  const lifted = (event) => {
    const canvas = canvasOf(data.canvas);
    if (!canvas || !event.composedPath().includes(canvas.holder)) return;
    // The pen is up: the canvas moves the stroke from its top layer to its drawing in the next frames.
    setTimeout(() => {
      since ??= event.timeStamp;
      requestAnimationFrame(answer);
      sendPicture();
    }, SETTLE_MS);
  };
  // The pen's every event, on the canvas or not (a stroke may leave it and come back).
  const follow = (event) => {
    const canvas = canvasOf(data.canvas);
    if (!canvas || !data.pen) return;
    if (event.type === "pointerdown" && !event.composedPath().includes(canvas.holder)) return;
    followPen(canvas, event, data.size, data.pen);
  };
  const pen = ["pointerdown", "pointermove", "pointerup", "pointercancel"];
  const kinds = ["pointerdown", "pointermove", "pointerup", "touchmove", "touchend"];
  ["pointerup", "touchend"].forEach((kind) => document.addEventListener(kind, lifted, { passive: true }));
  pen.forEach((kind) => document.addEventListener(kind, follow, { passive: true, capture: true }));
  kinds.forEach((kind) => document.addEventListener(kind, schedule, { passive: true, capture: true }));
  const stopWatching = watchServer(box, words);
  const cleanup = () => {
    soon.port1.close();
    kinds.forEach((kind) => document.removeEventListener(kind, schedule, { capture: true }));
    pen.forEach((kind) => document.removeEventListener(kind, follow, { capture: true }));
    ["pointerup", "touchend"].forEach((kind) => document.removeEventListener(kind, lifted));
    stopWatching();
  };

  setTimeout(sendPicture, 0); // a view was just opened: it needs the drawing already there
  if (!data.model) {
    window.digitlabLive = { latencies, parts, answer: () => {} };
    return cleanup;
  }
  sessionFor(data.model).then(
    (checked) => {
      run = checked;
      note.textContent = words.on_device;
      if (data.engine !== "device") setStateValue("engine", "device");
      requestAnimationFrame(answer);
    },
    (error) => {
      console.warn("DigitLab: the answer on this device could not start:", error);
      note.textContent = words.on_server;
      if (!String(data.engine).startsWith("server")) setStateValue("engine", `server: ${String(error.message || error).slice(0, 200)}`);
    },
  );
  window.digitlabLive = { latencies, parts, answer: () => requestAnimationFrame(answer) };
  return cleanup;
}
