// Segmentation masks: paint each label's pixels over the image with a brush (mouse, pen, touch or
// keyboard), and the answer travels in the form's textarea as
//   {"masks": [{"label": ..., "rle": {"size": [height, width], "counts": [...]}}]}
// in uncompressed COCO run-length encoding: runs of background and object pixels, alternating and
// starting with background, reading the image column by column.
//
// The paint lives in one Uint8Array of width × height (row-major, as the canvas draws it) holding,
// for each pixel, 1 + the index of the label that owns it (0: none). It is the per-label bitmaps in
// one array: a pixel belongs to at most one label by construction, and one column-major pass
// encodes every label at once.
//
// Every [data-widget="mask"] on the page is set up on its own (the exam shows several); the script
// has no words of its own: all text comes from the page.

const lang = document.documentElement.lang || "en";
const numbers = new Intl.NumberFormat(lang, { numberingSystem: "latn" });
const percent = new Intl.NumberFormat(lang, { numberingSystem: "latn", style: "percent" });

/** Larger images are left to the JSON field: the bitmaps and the canvas would not fit. */
const MAX_PIXELS = 40_000_000;
/** Undo and redo keep the pixels under each stroke's bounding box, up to this many bytes in all. */
const UNDO_BYTES = 64 * 1024 * 1024;
const SAVE_DELAY_MS = 150;

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
}

// --- run-length encoding ---------------------------------------------------------------------

/**
 * Encode every label of `map` (row-major, values 0..labelCount) in one column-major pass.
 * Returns, per label value v (index v), {counts, area, minX, minY} or null when v paints nothing.
 */
export function encode(map, width, height, labelCount) {
  const total = width * height;
  const counts = Array.from({ length: labelCount + 1 }, () => []);
  const last = new Float64Array(labelCount + 1); // where the current run of each label began
  const area = new Float64Array(labelCount + 1);
  const minX = new Int32Array(labelCount + 1).fill(width);
  const minY = new Int32Array(labelCount + 1).fill(height);
  let prev = 0;
  let p = 0;
  for (let x = 0; x < width; x += 1) {
    let i = x;
    const top = map[x];
    if (top !== 0) {
      minY[top] = 0;
      if (x < minX[top]) minX[top] = x;
    }
    for (let y = 0; y < height; y += 1, i += width, p += 1) {
      const v = map[i];
      if (v !== prev) {
        if (prev !== 0) {
          counts[prev].push(p - last[prev]);
          last[prev] = p;
        }
        if (v !== 0) {
          counts[v].push(p - last[v]);
          last[v] = p;
          if (y < minY[v]) minY[v] = y;
          if (x < minX[v]) minX[v] = x;
        }
        prev = v;
      }
    }
  }
  if (prev !== 0) {
    counts[prev].push(total - last[prev]);
    last[prev] = total;
  }
  const result = [null];
  for (let v = 1; v <= labelCount; v += 1) {
    const runs = counts[v];
    if (runs.length === 0) {
      result.push(null);
      continue;
    }
    if (last[v] < total) runs.push(total - last[v]);
    let painted = 0;
    for (let k = 1; k < runs.length; k += 2) painted += runs[k];
    area[v] = painted;
    result.push({ counts: runs, area: painted, minX: minX[v], minY: minY[v] });
  }
  return result;
}

/** Paint `value` into `map` wherever the column-major runs `counts` mark the object. */
export function decode(counts, value, map, width, height) {
  let p = 0;
  for (let k = 0; k < counts.length; k += 1) {
    const run = counts[k];
    if (k % 2 === 1) {
      let x = Math.floor(p / height);
      let y = p % height;
      let left = run;
      while (left > 0) {
        const down = Math.min(left, height - y);
        for (let i = y * width + x, end = i + down * width; i < end; i += width) map[i] = value;
        left -= down;
        x += 1;
        y = 0;
      }
    }
    p += run;
  }
}

/** The masks of a valid answer as [label, counts] pairs, or null when the tools cannot show it. */
function readAnswer(text, names, width, height) {
  if (!text.trim()) return [];
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.masks)) return null;
  const masks = [];
  for (const mask of parsed.masks) {
    const rle = mask?.rle;
    if (!names.includes(mask?.label) || !rle || !Array.isArray(rle.size) || !Array.isArray(rle.counts)) return null;
    if (rle.size.length !== 2 || rle.size[0] !== height || rle.size[1] !== width) return null;
    let sum = 0;
    for (const c of rle.counts) {
      if (!Number.isInteger(c) || c < 0) return null;
      sum += c;
    }
    if (sum !== width * height) return null;
    masks.push([mask.label, rle.counts]);
  }
  return masks;
}

// --- colours ---------------------------------------------------------------------------------

/** "#rrggbb" as the 32-bit pixel of an ImageData on this machine (alpha fully opaque). */
function pixelOf(hex) {
  const n = parseInt(hex.replace("#", ""), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  const probe = new Uint8ClampedArray(4);
  probe.set([r, g, b, 255]);
  return new Uint32Array(probe.buffer)[0];
}

// --- one widget --------------------------------------------------------------------------------

function setup(widget) {
  const answer = widget.querySelector("[data-widget-answer]");
  const fallback = widget.querySelector("[data-widget-fallback]");
  const tools = widget.querySelector("[data-mask-tools]");
  const side = widget.querySelector("[data-mask-side]");
  const stage = widget.querySelector("[data-mask-stage]");
  const image = widget.querySelector("[data-mask-image]");
  const canvas = widget.querySelector("[data-mask-canvas]");
  const cursor = widget.querySelector("[data-mask-cursor]");
  const status = widget.querySelector("[data-mask-status]");
  const width = Number(widget.dataset.width);
  const height = Number(widget.dataset.height);
  if (!answer || !canvas || !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return;

  // The image may fail (s3:// and gs:// cannot be shown, a dead link): say so, with its address.
  const failed = () => { widget.querySelector("[data-mask-failed]").hidden = false; };
  image.addEventListener("error", failed);
  if (image.complete && image.naturalWidth === 0) failed();

  if (width * height > MAX_PIXELS) {
    widget.querySelector("[data-mask-too-large]").hidden = false;
    return;
  }

  const labelButtons = [...widget.querySelectorAll("[data-mask-label]")];
  const names = labelButtons.map((b) => b.dataset.maskLabel);
  const colours = new Uint32Array(names.length + 1);
  labelButtons.forEach((b, k) => { colours[k + 1] = pixelOf(b.dataset.color); });
  const Bitmap = names.length < 255 ? Uint8Array : Uint16Array;
  const map = new Bitmap(width * height);

  const restored = readAnswer(answer.value, names, width, height);
  // Unreadable JSON, or masks the tools cannot show, stay in view so nothing typed is lost.
  if (restored === null || names.length === 0) return;
  for (const [label, counts] of restored) decode(counts, names.indexOf(label) + 1, map, width, height);

  tools.hidden = false;
  side.hidden = false;
  canvas.hidden = false;
  fallback.hidden = true;

  const context = canvas.getContext("2d");
  const pixels = context.createImageData(width, height);
  const words = new Uint32Array(pixels.data.buffer);

  const state = {
    label: 1,
    eraser: false,
    size: Number(widget.querySelector("[data-mask-size]").value),
    cursorX: Math.floor(width / 2),
    cursorY: Math.floor(height / 2),
    stroke: null, // {before, x0, y0, x1, y1, lastX, lastY, pointer}
    undo: [], // {region, x0, y0, x1, y1}: the pixels of the box before the step
    redo: [], // the same, holding the pixels of the box after the step
    historyBytes: 0, // of both stacks
    dirty: null,
    frame: 0,
    saveTimer: 0,
  };

  // --- drawing the overlay -------------------------------------------------------------------

  function draw(x0, y0, x1, y1) {
    for (let y = y0; y <= y1; y += 1) {
      let i = y * width + x0;
      for (let x = x0; x <= x1; x += 1, i += 1) words[i] = colours[map[i]];
    }
    context.putImageData(pixels, 0, 0, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
  }

  function markDirty(x0, y0, x1, y1) {
    const d = state.dirty;
    state.dirty = d ? [Math.min(d[0], x0), Math.min(d[1], y0), Math.max(d[2], x1), Math.max(d[3], y1)] : [x0, y0, x1, y1];
    if (!state.frame) {
      state.frame = requestAnimationFrame(() => {
        state.frame = 0;
        const r = state.dirty;
        state.dirty = null;
        if (r) draw(...r);
      });
    }
  }

  // --- painting ----------------------------------------------------------------------------------

  // Every pixel whose centre lies within the brush's radius of the segment a-b: a stroke is a
  // chain of such capsules, so a fast move leaves no gap between two pointer events.
  function paintSegment(ax, ay, bx, by) {
    const r = state.size / 2;
    const value = state.eraser ? 0 : state.label;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + r));
    if (x0 > x1 || y0 > y1) return;
    const dx = bx - ax;
    const dy = by - ay;
    const length2 = dx * dx + dy * dy;
    const r2 = r * r;
    for (let y = y0; y <= y1; y += 1) {
      const cy = y + 0.5;
      let i = y * width + x0;
      for (let x = x0; x <= x1; x += 1, i += 1) {
        const cx = x + 0.5;
        let t = length2 ? ((cx - ax) * dx + (cy - ay) * dy) / length2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = ax + t * dx - cx;
        const ey = ay + t * dy - cy;
        if (ex * ex + ey * ey <= r2) map[i] = value;
      }
    }
    const s = state.stroke;
    if (s) {
      s.x0 = Math.min(s.x0, x0); s.y0 = Math.min(s.y0, y0);
      s.x1 = Math.max(s.x1, x1); s.y1 = Math.max(s.y1, y1);
    }
    markDirty(x0, y0, x1, y1);
  }

  function beginStroke(x, y, pointer) {
    if (state.stroke) endStroke();
    state.stroke = { before: map.slice(), x0: width, y0: height, x1: -1, y1: -1, lastX: x, lastY: y, pointer };
    paintSegment(x, y, x, y);
  }

  function strokeTo(x, y) {
    const s = state.stroke;
    if (!s) return;
    paintSegment(s.lastX, s.lastY, x, y);
    s.lastX = x;
    s.lastY = y;
  }

  function remember(before, x0, y0, x1, y1) {
    if (x1 < x0 || y1 < y0) return;
    const w = x1 - x0 + 1;
    const region = new Bitmap(w * (y1 - y0 + 1));
    for (let y = y0; y <= y1; y += 1) region.set(before.subarray(y * width + x0, y * width + x1 + 1), (y - y0) * w);
    // A new change ends what could be redone.
    for (const step of state.redo) state.historyBytes -= step.region.byteLength;
    state.redo = [];
    state.undo.push({ region, x0, y0, x1, y1 });
    state.historyBytes += region.byteLength;
    while (state.historyBytes > UNDO_BYTES && state.undo.length > 1) state.historyBytes -= state.undo.shift().region.byteLength;
    updateHistoryButtons();
  }

  function updateHistoryButtons() {
    const focused = document.activeElement;
    undoButton.disabled = state.undo.length === 0;
    redoButton.disabled = state.redo.length === 0;
    // A button disabled under the keyboard focus would drop it to the page: keep it in the widget.
    if ((focused === undoButton || focused === redoButton) && focused.disabled) {
      const other = focused === undoButton ? redoButton : undoButton;
      (other.disabled ? canvas : other).focus({ preventScroll: true });
    }
  }

  // Exchange a step's saved pixels with those of the map in its box: the step then holds what
  // the box held, ready to go the other way (undo to redo and back).
  function swapStep(step) {
    const w = step.x1 - step.x0 + 1;
    const here = new Bitmap(w);
    for (let y = step.y0; y <= step.y1; y += 1) {
      const row = map.subarray(y * width + step.x0, y * width + step.x1 + 1);
      const saved = step.region.subarray((y - step.y0) * w, (y - step.y0 + 1) * w);
      here.set(row);
      row.set(saved);
      saved.set(here);
    }
    markDirty(step.x0, step.y0, step.x1, step.y1);
  }

  function endStroke() {
    const s = state.stroke;
    if (!s) return;
    state.stroke = null;
    remember(s.before, s.x0, s.y0, s.x1, s.y1);
    scheduleSave();
  }

  function undo() {
    if (state.stroke) endStroke();
    const step = state.undo.pop();
    if (!step) return;
    swapStep(step);
    state.redo.push(step);
    updateHistoryButtons();
    scheduleSave();
  }

  function redo() {
    if (state.stroke) endStroke(); // a stroke in progress is a new change: nothing is left to redo
    const step = state.redo.pop();
    if (!step) return;
    swapStep(step);
    state.undo.push(step);
    updateHistoryButtons();
    scheduleSave();
  }

  function clearLabel() {
    const before = map.slice();
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let y = 0, i = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1, i += 1) {
        if (map[i] === state.label) {
          map[i] = 0;
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          y1 = y;
        }
      }
    }
    if (x1 < 0) return;
    remember(before, x0, y0, x1, y1);
    markDirty(x0, y0, x1, y1);
    saveNow();
  }

  // --- the answer --------------------------------------------------------------------------------

  const legendRows = new Map([...widget.querySelectorAll("[data-mask-legend]")].map((li) => [li.dataset.maskLegend, li]));
  const tags = new Map([...widget.querySelectorAll("[data-mask-tag]")].map((t) => [t.dataset.maskTag, t]));

  function saveNow() {
    clearTimeout(state.saveTimer);
    state.saveTimer = 0;
    const encoded = encode(map, width, height, names.length);
    const masks = [];
    names.forEach((label, k) => {
      const mask = encoded[k + 1];
      const row = legendRows.get(label);
      const area = row?.querySelector("[data-mask-area]");
      if (area) area.textContent = fill(area.dataset.text, { count: numbers.format(mask ? mask.area : 0) });
      row?.classList.toggle("is-empty", !mask);
      const tag = tags.get(label);
      if (tag) {
        tag.hidden = !mask;
        if (mask) {
          tag.style.left = `${(mask.minX / width) * 100}%`;
          tag.style.top = `${(mask.minY / height) * 100}%`;
        }
      }
      if (mask) masks.push({ label, rle: { size: [height, width], counts: mask.counts } });
    });
    answer.value = JSON.stringify({ masks });
  }

  function scheduleSave() {
    clearTimeout(state.saveTimer);
    state.saveTimer = setTimeout(saveNow, SAVE_DELAY_MS);
  }

  // A submit right after a stroke must carry it: the form's entries are read after this event.
  widget.closest("form")?.addEventListener("submit", () => {
    if (state.stroke) endStroke();
    if (state.saveTimer) saveNow();
  });

  // --- tools -------------------------------------------------------------------------------------

  const modeButtons = [...widget.querySelectorAll("[data-mask-mode]")];
  const sizeInput = widget.querySelector("[data-mask-size]");
  const sizeOut = widget.querySelector("[data-mask-size-out]");
  const opacityInput = widget.querySelector("[data-mask-opacity]");
  const opacityOut = widget.querySelector("[data-mask-opacity-out]");
  const undoButton = widget.querySelector("[data-mask-undo]");
  const redoButton = widget.querySelector("[data-mask-redo]");

  function chooseLabel(index) {
    state.label = index;
    labelButtons.forEach((b, k) => b.setAttribute("aria-pressed", String(k + 1 === index)));
    legendRows.forEach((row, label) => row.classList.toggle("is-active", names.indexOf(label) + 1 === index));
    setEraser(false);
  }

  function setEraser(on) {
    state.eraser = on;
    modeButtons.forEach((b) => b.setAttribute("aria-pressed", String((b.dataset.maskMode === "eraser") === on)));
    widget.classList.toggle("is-erasing", on);
    placeCursor();
  }

  function setSize(size) {
    state.size = Math.max(Number(sizeInput.min), Math.min(Number(sizeInput.max), Math.round(size)));
    sizeInput.value = String(state.size);
    sizeOut.textContent = fill(sizeOut.dataset.text, { count: numbers.format(state.size) });
    placeCursor();
  }

  function setOpacity(value) {
    canvas.style.opacity = String(value / 100);
    opacityOut.textContent = percent.format(value / 100);
  }

  labelButtons.forEach((button, k) => button.addEventListener("click", () => chooseLabel(k + 1)));
  modeButtons.forEach((button) => button.addEventListener("click", () => setEraser(button.dataset.maskMode === "eraser")));
  sizeInput.addEventListener("input", () => setSize(Number(sizeInput.value)));
  opacityInput.addEventListener("input", () => setOpacity(Number(opacityInput.value)));
  undoButton.addEventListener("click", undo);
  redoButton.addEventListener("click", redo);
  widget.querySelector("[data-mask-clear]").addEventListener("click", clearLabel);

  // --- the brush cursor ----------------------------------------------------------------------------

  let hovering = false;
  function placeCursor() {
    cursor.hidden = !(hovering || document.activeElement === canvas);
    cursor.style.left = `${((state.cursorX + 0.5) / width) * 100}%`;
    cursor.style.top = `${((state.cursorY + 0.5) / height) * 100}%`;
    cursor.style.width = `${(state.size / width) * 100}%`;
    status.textContent = fill(status.dataset.text, { x: numbers.format(state.cursorX), y: numbers.format(state.cursorY) });
  }

  // --- pointer: mouse, pen, touch --------------------------------------------------------------------

  // Client coordinates -> image pixel, whatever the displayed scale.
  function pixelAt(event) {
    const box = canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - box.left) / box.width) * width);
    const y = Math.floor(((event.clientY - box.top) / box.height) * height);
    return [Math.max(0, Math.min(width - 1, x)), Math.max(0, Math.min(height - 1, y))];
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || state.stroke?.pointer === "keyboard") return;
    event.preventDefault();
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = pixelAt(event);
    [state.cursorX, state.cursorY] = [x, y];
    beginStroke(x + 0.5, y + 0.5, event.pointerId);
    placeCursor();
  });
  canvas.addEventListener("pointermove", (event) => {
    hovering = true;
    const painting = state.stroke && state.stroke.pointer === event.pointerId;
    const events = painting && event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const [x, y] = pixelAt(e);
      [state.cursorX, state.cursorY] = [x, y];
      if (painting) strokeTo(x + 0.5, y + 0.5);
    }
    placeCursor();
  });
  const release = (event) => {
    if (state.stroke && state.stroke.pointer === event.pointerId) endStroke();
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("lostpointercapture", release);
  canvas.addEventListener("pointerleave", () => { hovering = false; placeCursor(); });
  canvas.addEventListener("focus", placeCursor);
  canvas.addEventListener("blur", () => {
    if (state.stroke?.pointer === "keyboard") endStroke();
    placeCursor();
  });

  // --- keyboard ----------------------------------------------------------------------------------------

  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  canvas.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key in arrows) {
      const [dx, dy] = arrows[event.key];
      const step = event.shiftKey ? 16 : 2;
      state.cursorX = Math.max(0, Math.min(width - 1, state.cursorX + dx * step));
      state.cursorY = Math.max(0, Math.min(height - 1, state.cursorY + dy * step));
      if (state.stroke?.pointer === "keyboard") strokeTo(state.cursorX + 0.5, state.cursorY + 0.5);
    } else if (event.key === " " || event.code === "Space") {
      if (!event.repeat && !state.stroke) beginStroke(state.cursorX + 0.5, state.cursorY + 0.5, "keyboard");
    } else if (event.code === "KeyB") {
      setEraser(false);
    } else if (event.code === "KeyE") {
      setEraser(true);
    } else if (event.key === "[" || event.key === "]") {
      const delta = Math.max(1, Math.round(state.size / 8));
      setSize(state.size + (event.key === "]" ? delta : -delta));
    } else {
      return;
    }
    event.preventDefault();
    placeCursor();
  });
  canvas.addEventListener("keyup", (event) => {
    if ((event.key === " " || event.code === "Space") && state.stroke?.pointer === "keyboard") {
      event.preventDefault();
      endStroke();
    }
  });

  // Anywhere in the widget but a text field, Ctrl+Z (Cmd+Z) undoes the last change; Ctrl+Y and
  // Ctrl+Shift+Z (Cmd+Y, Cmd+Shift+Z) redo it. The letter is the one typed (Z and Y swap places
  // on some keyboards), or the key's place when the layout types no Latin letter.
  widget.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    if (event.target instanceof HTMLTextAreaElement) return;
    const typed = /^[a-z]$/i.test(event.key) ? event.key.toLowerCase() : "";
    const letter = typed || (/^Key[A-Z]$/.test(event.code) ? event.code.slice(3).toLowerCase() : "");
    if (letter === "z" && !event.shiftKey) undo();
    else if ((letter === "z" && event.shiftKey) || (letter === "y" && !event.shiftKey)) redo();
    else return;
    event.preventDefault();
  });

  chooseLabel(1);
  setSize(state.size);
  setOpacity(Number(opacityInput.value));
  draw(0, 0, width - 1, height - 1);
  saveNow();
}

for (const widget of document.querySelectorAll('[data-widget="mask"]')) setup(widget);
