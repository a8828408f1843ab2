// Image annotation widget: bounding boxes, polygons or keypoints drawn on an SVG laid over the image.
// The SVG's viewBox is the image's own size, so every shape is kept and drawn in image pixels; the
// pointer's position is turned into image pixels by the displayed scale. The answer travels in the
// form's textarea as {"boxes": [...]}, {"polygons": [...]} or {"keypoints": [...]}, rounded to 0.1 px.
// Every container on the page ([data-widget="image"]) is set up on its own (an exam holds several).
// No text of its own: every word shown comes from the server page (data-* and <template>).

const SVG_NS = "http://www.w3.org/2000/svg";
const lang = document.documentElement.lang || "en";
const numbers = new Intl.NumberFormat(lang, { numberingSystem: "latn", maximumFractionDigits: 1 });
// Distinct outline colours; never the only cue: each shape carries its label's name in text.
const COLORS = ["#d1242f", "#0969da", "#1a7f37", "#8250df", "#bc4c00", "#bf3989", "#0a7d8c", "#6e7781", "#7d4e00"];
// How close (in screen pixels) a click must be to the first corner to close an outline.
const CLOSE_DISTANCE = 10;

const round1 = (v) => Math.round(v * 10) / 10;
const clamp = (v, low, high) => Math.min(high, Math.max(low, v));
const finite = (v) => typeof v === "number" && Number.isFinite(v);
const fmt = (v) => numbers.format(v);

function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (slot, key) => (key in values ? String(values[key]) : slot));
}

// A label's name inside a sentence of the interface, kept apart from the words around it (a
// first-strong bidi isolate): an Arabic label in an English sentence, or the reverse, reads right.
const isolate = (text) => `\u2068${text}\u2069`;

function svgElement(name, attributes = {}) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

// --- geometry -------------------------------------------------------------------------------

function area(points) {
  let total = 0;
  points.forEach(([x1, y1], i) => {
    const [x2, y2] = points[(i + 1) % points.length];
    total += x1 * y2 - x2 * y1;
  });
  return total / 2;
}

function cross(o, a, b) {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

// Proper crossing of segments p1-p2 and p3-p4 (touching at a shared end does not count).
function segmentsCross(p1, p2, p3, p4) {
  const d1 = cross(p3, p4, p1);
  const d2 = cross(p3, p4, p2);
  const d3 = cross(p1, p2, p3);
  const d4 = cross(p1, p2, p4);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

// Would the edge from the last point to `next` cross an earlier edge of the open path?
function edgeCrosses(points, next, closing = false) {
  const last = points[points.length - 1];
  for (let i = 0; i < points.length - 2; i += 1) {
    if (closing && i === 0) continue; // the closing edge meets the first edge at the first point
    if (segmentsCross(points[i], points[i + 1], last, next)) return true;
  }
  return false;
}

// Does a closed outline cross itself (two edges that are not neighbours meeting)?
function outlineCrosses(points) {
  const n = points.length;
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 2; j < n; j += 1) {
      if (i === 0 && j === n - 1) continue; // neighbours through the closing edge
      if (segmentsCross(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n])) return true;
    }
  }
  return false;
}

// --- reading an answer back (a page shown again after a refused submit) -------------------------

function restore(raw, kind) {
  const text = raw.trim();
  if (!text) return [];
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const list = parsed && typeof parsed === "object" ? parsed[kind] : null;
  if (!Array.isArray(list)) return null;
  const label = (s) => s && typeof s === "object" && typeof s.label === "string";
  if (kind === "boxes") {
    if (!list.every((b) => label(b) && [b.x, b.y, b.width, b.height].every(finite))) return null;
    return list.map((b) => ({ label: b.label, x: b.x, y: b.y, width: b.width, height: b.height }));
  }
  if (kind === "polygons") {
    const point = (p) => Array.isArray(p) && p.length === 2 && p.every(finite);
    if (!list.every((s) => label(s) && Array.isArray(s.points) && s.points.every(point))) return null;
    return list.map((s) => ({ label: s.label, points: s.points.map(([x, y]) => [x, y]) }));
  }
  const point = (p) => p && typeof p === "object" && finite(p.x) && finite(p.y) &&
    (p.name === undefined || typeof p.name === "string") && (p.visible === undefined || typeof p.visible === "boolean");
  if (!list.every((s) => label(s) && Array.isArray(s.points) && s.points.every(point))) return null;
  return list.map((s) => ({
    label: s.label,
    skipped: new Set(),
    chosen: null,
    points: s.points.map((p) => {
      const copy = { x: p.x, y: p.y };
      if (p.name !== undefined) copy.name = p.name;
      if (p.visible === false) copy.visible = false;
      return copy;
    }),
  }));
}

// --- one widget ---------------------------------------------------------------------------------

function init(root) {
  const kind = root.dataset.kind;
  const W = Number(root.dataset.width);
  const H = Number(root.dataset.height);
  const answer = root.querySelector("[data-widget-answer]");
  const svg = root.querySelector("[data-image-svg]");
  const img = root.querySelector("[data-image-img]");
  const stage = root.querySelector("[data-image-stage]");
  if (!answer || !svg || !img || !stage || !(W > 0) || !(H > 0)) return;
  const shapes = restore(answer.value, kind);
  // Unreadable JSON stays in view, so what the annotator typed is not lost.
  if (shapes === null) return;

  const words = root.querySelector("[data-image-text]").dataset;
  const names = JSON.parse(root.dataset.keypointNames || "[]");
  const labelButtons = [...root.querySelectorAll("[data-image-label]")];
  const colorOf = new Map(labelButtons.map((b, i) => [b.dataset.imageLabel, COLORS[i % COLORS.length]]));
  const status = root.querySelector("[data-image-status]");
  const list = root.querySelector("[data-image-list]");
  const empty = root.querySelector("[data-image-empty]");
  const rowTemplate = root.querySelector("template[data-image-row]");
  const kpNext = root.querySelector("[data-image-kp-next]");
  const kpNames = root.querySelector("[data-image-kp-names]");
  const kpHidden = root.querySelector("[data-image-kp-hidden]");
  const toggleTemplate = root.querySelector("template[data-image-point-toggle]");

  const state = {
    label: labelButtons[0]?.dataset.imageLabel ?? "",
    selected: -1, // index of the selected shape
    active: -1, // keypoints: the object that receives the next point
    cursor: { x: round1(W / 2), y: round1(H / 2) }, // keyboard crosshair, image pixels
    keyboard: false, // show the crosshair (the keyboard was used on the surface)
    focused: false,
    draft: null, // boxes: {x0, y0}; polygons: {points: [[x, y], ...]}
    hover: null, // pointer position while drawing an outline
    drag: null, // {index, point?, start: {x, y}, original, moved}
    drawing: null, // boxes: {x0, y0, x1, y1} while the mouse drags
  };

  for (const part of root.querySelectorAll("[data-image-tools]")) part.hidden = false;
  root.querySelector("[data-widget-fallback]").hidden = true;
  svg.setAttribute("tabindex", "0");
  svg.setAttribute("role", "application");
  labelButtons.forEach((b) => {
    b.querySelector(".image-swatch")?.style.setProperty("background", colorOf.get(b.dataset.imageLabel));
  });

  // --- display scale ---------------------------------------------------------------------------
  function scale() {
    // Image pixels per screen pixel.
    const rect = svg.getBoundingClientRect();
    return rect.width > 0 ? W / rect.width : 1;
  }

  function toImage(event) {
    const rect = svg.getBoundingClientRect();
    const x = rect.width > 0 ? ((event.clientX - rect.left) * W) / rect.width : 0;
    const y = rect.height > 0 ? ((event.clientY - rect.top) * H) / rect.height : 0;
    return { x: round1(clamp(x, 0, W)), y: round1(clamp(y, 0, H)) };
  }

  // --- the answer ------------------------------------------------------------------------------
  function save() {
    let value;
    if (kind === "boxes") {
      value = shapes.map((b) => ({ label: b.label, x: round1(b.x), y: round1(b.y), width: round1(b.width), height: round1(b.height) }));
    } else if (kind === "polygons") {
      value = shapes.map((s) => ({ label: s.label, points: s.points.map(([x, y]) => [round1(x), round1(y)]) }));
    } else {
      // An object started but still without a point is not part of the answer yet.
      value = shapes.filter((s) => s.points.length > 0).map((s) => ({
        label: s.label,
        points: s.points.map((p) => {
          const out = {};
          if (p.name !== undefined) out.name = p.name;
          out.x = round1(p.x);
          out.y = round1(p.y);
          if (p.visible === false) out.visible = false;
          return out;
        }),
      }));
    }
    answer.value = JSON.stringify({ [kind]: value });
  }

  function say(message) {
    status.textContent = message;
  }

  // --- keypoints: which name comes next -------------------------------------------------------------
  function nextName(object) {
    if (!names.length || !object) return names[0] ?? null;
    const placed = new Set(object.points.map((p) => p.name));
    if (object.chosen && !placed.has(object.chosen)) return object.chosen;
    if (object.chosen) return object.chosen; // chosen again to place it anew
    return names.find((n) => !placed.has(n) && !object.skipped.has(n)) ?? null;
  }

  function complete(object) {
    return names.length > 0 && nextName(object) === null;
  }

  function newObject() {
    // An empty current object is reused rather than left behind.
    const current = shapes[state.active];
    if (current && current.points.length === 0) {
      current.label = state.label;
      return current;
    }
    shapes.push({ label: state.label, points: [], skipped: new Set(), chosen: null });
    state.active = shapes.length - 1;
    state.selected = -1;
    return shapes[state.active];
  }

  function placePoint(at) {
    let object = shapes[state.active];
    if (!object || complete(object)) object = newObject();
    const point = { x: at.x, y: at.y };
    if (names.length) point.name = nextName(object);
    if (kpHidden?.checked) point.visible = false;
    const same = names.length ? object.points.findIndex((p) => p.name === point.name) : -1;
    if (same >= 0) object.points[same] = point;
    else object.points.push(point);
    object.chosen = null;
    if (kpHidden) kpHidden.checked = false;
    save();
    draw();
    say(fill(words.added, { label: isolate(point.name ?? object.label) }));
  }

  function updateKeypointPanel() {
    if (kind !== "keypoints") return;
    const object = shapes[state.active];
    if (!names.length) {
      kpNext.textContent = object ? fill(words.nextAnonymous, { label: isolate(object.label) }) : words.noObject;
      return;
    }
    const next = object && complete(object) ? null : nextName(object);
    kpNext.textContent = object && next === null ? words.complete : fill(words.next, { name: next });
    kpNames.replaceChildren();
    const placed = new Set(object ? object.points.map((p) => p.name) : []);
    const skipped = object ? object.skipped : new Set();
    for (const name of names) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "image-kp-name";
      const isNext = name === next;
      chip.setAttribute("aria-pressed", String(isNext));
      const mark = isNext ? "▸ " : placed.has(name) ? "✓ " : skipped.has(name) ? "– " : "";
      const bdi = document.createElement("bdi");
      bdi.textContent = name;
      chip.append(mark, bdi);
      if (placed.has(name)) chip.append(` (${words.placed})`);
      else if (skipped.has(name)) chip.append(` (${words.skipped})`);
      chip.addEventListener("click", () => {
        // The current object, even a complete one: choosing a placed name places it anew.
        const target = shapes[state.active] ?? newObject();
        target.skipped.delete(name);
        target.chosen = name;
        draw();
        svg.focus({ preventScroll: true });
      });
      kpNames.append(chip);
    }
  }

  // --- drawing -------------------------------------------------------------------------------------
  // Roughly how wide a text is drawn, to keep it inside the image.
  const textWidth = (text, size) => Array.from(text).length * size * 0.62;

  function tag(x, y, text, k, anchorBelow) {
    // The label's name written on the image, dark on a white halo so it reads on any background.
    const size = 13 * k;
    const tx = clamp(x, 2 * k, Math.max(2 * k, W - textWidth(text, size) - 2 * k));
    let ty = anchorBelow ? y + size + 2 * k : y - 4 * k;
    if (ty - size < 0) ty = y + size + 2 * k;
    if (ty > H - 2 * k) ty = H - 2 * k;
    const element = svgElement("text", { x: tx, y: ty, class: "image-tag", "stroke-width": 3.5 * k });
    element.textContent = text;
    return element;
  }

  function shapeName(index) {
    return `${numbers.format(index + 1)} ${shapes[index].label}`;
  }

  function draw() {
    drawSvg();
    drawList();
    updateKeypointPanel();
  }

  // Only the picture: focus changes, resizing and pointer moves must not rebuild the list, whose
  // buttons may be in the middle of being clicked.
  function drawSvg() {
    const k = scale();
    svg.style.fontSize = `${13 * k}px`;
    svg.replaceChildren();
    svg.classList.toggle("is-drawing", Boolean(state.draft || state.drawing));
    shapes.forEach((shape, index) => {
      const group = svgElement("g", { class: "image-shape", "data-index": index });
      group.style.setProperty("--c", colorOf.get(shape.label) ?? COLORS[COLORS.length - 1]);
      const selected = index === state.selected;
      if (selected) group.classList.add("is-selected");
      if (kind === "boxes") {
        const attrs = { x: shape.x, y: shape.y, width: shape.width, height: shape.height };
        group.append(svgElement("rect", { ...attrs, class: "image-halo" }));
        group.append(svgElement("rect", { ...attrs, class: "image-outline" }));
        group.append(svgElement("rect", { ...attrs, class: "image-hit" }));
        if (selected) {
          for (const [cx, cy] of [[shape.x, shape.y], [shape.x + shape.width, shape.y], [shape.x, shape.y + shape.height], [shape.x + shape.width, shape.y + shape.height]]) {
            group.append(svgElement("rect", { x: cx - 5 * k, y: cy - 5 * k, width: 10 * k, height: 10 * k, class: "image-handle", "data-corner": `${cx === shape.x ? 0 : 1}${cy === shape.y ? 0 : 1}` }));
          }
        }
        group.append(tag(shape.x, shape.y, shapeName(index), k, false));
      } else if (kind === "polygons") {
        const points = shape.points.map((p) => p.join(",")).join(" ");
        group.append(svgElement("polygon", { points, class: "image-halo" }));
        group.append(svgElement("polygon", { points, class: "image-outline" }));
        group.append(svgElement("polygon", { points, class: "image-hit" }));
        if (selected) {
          shape.points.forEach(([cx, cy], vertex) => {
            group.append(svgElement("rect", { x: cx - 4 * k, y: cy - 4 * k, width: 8 * k, height: 8 * k, class: "image-handle", "data-vertex": vertex }));
          });
        }
        const top = shape.points.reduce((a, b) => (b[1] < a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a), shape.points[0]);
        if (top) group.append(tag(top[0], top[1], shapeName(index), k, false));
      } else {
        if (index === state.active && !complete(shape)) group.classList.add("is-active");
        shape.points.forEach((p, pointIndex) => {
          const circle = svgElement("circle", {
            cx: p.x, cy: p.y, r: (selected ? 6 : 5) * k,
            class: p.visible === false ? "image-point is-hidden" : "image-point",
            "data-point": pointIndex,
          });
          // What a pointer resting on the point shows: its name or place, and whether it is hidden.
          const title = svgElement("title");
          title.textContent = pointText(p);
          circle.append(title);
          group.append(circle);
          if (p.name !== undefined || p.visible === false) {
            // An anonymous hidden point is written "(hidden)", so the hollow dashed ring is not the only cue.
            const content = p.name === undefined ? words.hiddenPoint
              : p.visible === false ? `${p.name} ${words.hiddenPoint}` : p.name;
            // Written after the point, or before it when it would leave the image at the right.
            const before = p.x + 7 * k + textWidth(content, 11 * k) > W;
            const name = svgElement("text", {
              x: before ? p.x - 7 * k : p.x + 7 * k, y: p.y + 4 * k, "text-anchor": before ? "end" : "start",
              class: "image-tag image-point-name", "stroke-width": 3 * k,
            });
            name.textContent = content;
            group.append(name);
          }
        });
        if (shape.points.length) {
          const top = shape.points.reduce((a, b) => (b.y < a.y ? b : a), shape.points[0]);
          group.append(tag(top.x - 6 * k, top.y - 8 * k, shapeName(index), k, false));
        }
      }
      svg.append(group);
    });

    // What is being drawn now.
    const preview = svgElement("g", { class: "image-draft" });
    preview.style.setProperty("--c", colorOf.get(state.label) ?? COLORS[0]);
    if (kind === "boxes") {
      const box = state.drawing ?? (state.draft ? { ...state.draft, x1: state.cursor.x, y1: state.cursor.y } : null);
      if (box) {
        preview.append(svgElement("rect", {
          x: Math.min(box.x0, box.x1), y: Math.min(box.y0, box.y1),
          width: Math.abs(box.x1 - box.x0), height: Math.abs(box.y1 - box.y0), class: "image-outline",
        }));
        preview.append(svgElement("circle", { cx: box.x0, cy: box.y0, r: 4 * k, class: "image-vertex" }));
      }
    } else if (kind === "polygons" && state.draft) {
      const pts = state.draft.points;
      const end = state.keyboard ? [state.cursor.x, state.cursor.y] : state.hover ? [state.hover.x, state.hover.y] : null;
      const path = end ? [...pts, end] : pts;
      preview.append(svgElement("polyline", { points: path.map((p) => p.join(",")).join(" "), class: "image-outline" }));
      pts.forEach(([x, y], i) => {
        preview.append(svgElement("circle", { cx: x, cy: y, r: (i === 0 ? 6 : 4) * k, class: i === 0 ? "image-vertex is-first" : "image-vertex" }));
      });
    }
    svg.append(preview);

    // The keyboard's crosshair.
    if (state.keyboard && state.focused) {
      const { x, y } = state.cursor;
      const cross = svgElement("g", { class: "image-crosshair" });
      cross.append(svgElement("line", { x1: 0, y1: y, x2: W, y2: y, class: "image-guide" }));
      cross.append(svgElement("line", { x1: x, y1: 0, x2: x, y2: H, class: "image-guide" }));
      cross.append(svgElement("circle", { cx: x, cy: y, r: 7 * k, class: "image-cursor" }));
      svg.append(cross);
    }
  }

  function coordinates(shape) {
    if (kind === "boxes") {
      return fill(words.box, { x: fmt(shape.x), y: fmt(shape.y), width: fmt(shape.width), height: fmt(shape.height) });
    }
    if (kind === "polygons") {
      const points = shape.points.map(([x, y]) => `(${fmt(x)}, ${fmt(y)})`).join(" ");
      return fill(words.polygon, { count: fmt(shape.points.length), points });
    }
    if (!shape.points.length) return words.noPoints;
    return shape.points.map(pointText).join("; ");
  }

  // One keypoint as text: "head (520, 215)", followed by "(hidden)" when it is occluded.
  function pointText(p) {
    const at = `(${fmt(p.x)}, ${fmt(p.y)})`;
    const text = p.name !== undefined ? `${p.name} ${at}` : at;
    return p.visible === false ? `${text} ${words.hiddenPoint}` : text;
  }

  // Keypoints: a placed point's "hidden (occluded)" flag is turned on or off from the list.
  function toggleHidden(index, pointIndex) {
    const point = shapes[index]?.points[pointIndex];
    if (!point) return;
    if (point.visible === false) delete point.visible;
    else point.visible = false;
    save();
    draw();
    say(pointText(point));
    // The list was drawn anew: the focus goes to the same point's button, to toggle it back at once.
    list.querySelector(`[data-image-point-toggle][data-shape="${index}"][data-point="${pointIndex}"]`)?.focus();
  }

  function pointToggles(shape, index) {
    return shape.points.map((p, pointIndex) => {
      const button = toggleTemplate.content.firstElementChild.cloneNode(true);
      button.dataset.shape = String(index);
      button.dataset.point = String(pointIndex);
      const hidden = p.visible === false;
      button.setAttribute("aria-pressed", String(hidden));
      // The name, or the place of an anonymous point, kept apart from the words around it (bidi isolate).
      const which = p.name !== undefined ? p.name : `(${fmt(p.x)}, ${fmt(p.y)})`;
      button.querySelector("[data-image-point-toggle-text]").textContent = fill(words.hiddenToggle, { point: `\u2068${which}\u2069` });
      button.addEventListener("click", () => toggleHidden(index, pointIndex));
      return button;
    });
  }

  function drawList() {
    list.replaceChildren();
    shapes.forEach((shape, index) => {
      const row = rowTemplate.content.firstElementChild.cloneNode(true);
      const selected = index === state.selected;
      row.classList.toggle("is-selected", selected);
      if (selected) row.setAttribute("aria-current", "true");
      row.querySelector("[data-image-row-selected]").hidden = !selected;
      row.querySelector(".image-swatch").style.background = colorOf.get(shape.label) ?? COLORS[COLORS.length - 1];
      row.querySelector("[data-image-row-label]").textContent = shapeName(index);
      row.querySelector("[data-image-row-coords]").textContent = coordinates(shape);
      const toggles = row.querySelector("[data-image-row-points]");
      if (toggles && toggleTemplate) {
        toggles.replaceChildren(...pointToggles(shape, index));
        toggles.hidden = shape.points.length === 0;
      }
      const names = { label: shape.label, number: fmt(index + 1) };
      const select = row.querySelector("[data-image-select]");
      select.setAttribute("aria-label", fill(words.selectLabel, names));
      select.setAttribute("aria-pressed", String(selected));
      select.addEventListener("click", () => {
        choose(index);
        svg.focus({ preventScroll: true });
      });
      const remove = row.querySelector("[data-image-remove]");
      remove.setAttribute("aria-label", fill(words.removeLabel, names));
      remove.addEventListener("click", () => {
        removeShape(index);
        svg.focus({ preventScroll: true });
      });
      list.append(row);
    });
    empty.hidden = shapes.length > 0;
    list.hidden = shapes.length === 0;
  }

  // --- editing ---------------------------------------------------------------------------------------
  function choose(index) {
    state.selected = index;
    state.draft = null;
    if (kind === "keypoints") state.active = index;
    const shape = shapes[index];
    if (shape) {
      setLabel(shape.label, false);
      say(fill(words.selected, { label: isolate(shape.label), number: fmt(index + 1) }));
    }
    draw();
  }

  function removeShape(index) {
    const [gone] = shapes.splice(index, 1);
    if (!gone) return;
    const shift = (i) => (i === index ? -1 : i > index ? i - 1 : i);
    state.selected = shift(state.selected);
    state.active = shift(state.active);
    save();
    draw();
    say(fill(words.removed, { label: isolate(gone.label) }));
  }

  function setLabel(label, relabel = true) {
    state.label = label;
    for (const b of labelButtons) b.setAttribute("aria-pressed", String(b.dataset.imageLabel === label));
    const shape = shapes[state.selected];
    if (relabel && shape && shape.label !== label) {
      shape.label = label;
      save();
    }
    draw();
  }

  for (const button of labelButtons) {
    button.addEventListener("click", () => setLabel(button.dataset.imageLabel));
  }

  function addBox(x0, y0, x1, y1) {
    const [left, right] = [round1(clamp(Math.min(x0, x1), 0, W)), round1(clamp(Math.max(x0, x1), 0, W))];
    const [top, bottom] = [round1(clamp(Math.min(y0, y1), 0, H)), round1(clamp(Math.max(y0, y1), 0, H))];
    if (right - left < 1 || bottom - top < 1) return false;
    shapes.push({ label: state.label, x: left, y: top, width: round1(right - left), height: round1(bottom - top) });
    save();
    say(fill(words.added, { label: isolate(state.label) }));
    return true;
  }

  function addVertex(at) {
    const point = [at.x, at.y];
    if (!state.draft) {
      state.selected = -1;
      state.draft = { points: [point] };
    } else {
      const pts = state.draft.points;
      const last = pts[pts.length - 1];
      if (last[0] === point[0] && last[1] === point[1]) return;
      if (edgeCrosses(pts, point)) {
        say(words.crossing);
        return;
      }
      pts.push(point);
    }
    say(fill(words.drawing, { count: fmt(state.draft.points.length) }));
    draw();
  }

  function closeOutline() {
    const pts = state.draft?.points ?? [];
    if (pts.length < 3) {
      say(words.tooFew);
      return;
    }
    if (Math.abs(area(pts)) <= 1e-6) {
      say(words.flat);
      return;
    }
    if (edgeCrosses(pts, pts[0], true)) {
      say(words.crossing);
      return;
    }
    shapes.push({ label: state.label, points: pts });
    state.draft = null;
    state.hover = null;
    save();
    draw();
    say(fill(words.added, { label: isolate(state.label) }));
  }

  function moveShape(index, dx, dy) {
    const shape = shapes[index];
    if (kind === "boxes") {
      shape.x = round1(clamp(shape.x + dx, 0, W - shape.width));
      shape.y = round1(clamp(shape.y + dy, 0, H - shape.height));
    } else if (kind === "polygons") {
      const xs = shape.points.map((p) => p[0]);
      const ys = shape.points.map((p) => p[1]);
      const mx = clamp(dx, -Math.min(...xs), W - Math.max(...xs));
      const my = clamp(dy, -Math.min(...ys), H - Math.max(...ys));
      shape.points = shape.points.map(([x, y]) => [round1(x + mx), round1(y + my)]);
    }
  }

  function resizeBox(index, dw, dh) {
    const box = shapes[index];
    box.width = round1(clamp(box.width + dw, 1, W - box.x));
    box.height = round1(clamp(box.height + dh, 1, H - box.y));
  }

  // --- mouse, pen and touch ------------------------------------------------------------------------
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault(); // no text selection, no image drag
    svg.focus({ preventScroll: true });
    state.keyboard = false;
    const at = toImage(event);
    const hit = event.target instanceof Element ? event.target.closest("[data-index]") : null;
    const drawingOutline = kind === "polygons" && state.draft;
    if (hit && !drawingOutline) {
      const index = Number(hit.getAttribute("data-index"));
      const grip = (name) => {
        const element = event.target.closest(`[data-${name}]`);
        return element ? element.getAttribute(`data-${name}`) : null;
      };
      const point = grip("point");
      const corner = grip("corner");
      const vertex = grip("vertex");
      choose(index);
      const shape = shapes[index];
      state.drag = {
        index,
        point: point === null ? null : Number(point),
        corner, // boxes: "00" top-left ... "11" bottom-right, the corner being dragged
        vertex: vertex === null ? null : Number(vertex),
        start: at,
        original: JSON.parse(JSON.stringify({ ...shape, skipped: undefined })),
        moved: false,
      };
      svg.setPointerCapture(event.pointerId);
      return;
    }
    if (kind === "boxes") {
      state.selected = -1;
      state.drawing = { x0: at.x, y0: at.y, x1: at.x, y1: at.y };
      svg.setPointerCapture(event.pointerId);
      draw();
    } else if (kind === "polygons") {
      const pts = state.draft?.points;
      if (pts && pts.length >= 3) {
        const k = scale();
        const distance = Math.hypot(pts[0][0] - at.x, pts[0][1] - at.y) / k;
        if (distance <= CLOSE_DISTANCE) {
          closeOutline();
          return;
        }
      }
      addVertex(at);
    } else {
      placePoint(at);
    }
  });

  svg.addEventListener("pointermove", (event) => {
    const at = toImage(event);
    if (state.drag) {
      const { index, point, corner, vertex, start, original } = state.drag;
      const dx = at.x - start.x;
      const dy = at.y - start.y;
      if (!state.drag.moved && Math.hypot(dx, dy) / scale() < 3) return;
      state.drag.moved = true;
      const shape = shapes[index];
      if (corner !== null) {
        // Resize: the opposite corner stays where it was.
        const fixedX = corner[0] === "0" ? original.x + original.width : original.x;
        const fixedY = corner[1] === "0" ? original.y + original.height : original.y;
        const [left, right] = [Math.min(fixedX, at.x), Math.max(fixedX, at.x)];
        const [top, bottom] = [Math.min(fixedY, at.y), Math.max(fixedY, at.y)];
        if (right - left >= 1 && bottom - top >= 1) {
          Object.assign(shape, { x: left, y: top, width: round1(right - left), height: round1(bottom - top) });
        }
      } else if (vertex !== null) {
        shape.points[vertex] = [at.x, at.y];
      } else if (kind === "keypoints") {
        if (point === null) return;
        shape.points[point].x = round1(clamp(original.points[point].x + dx, 0, W));
        shape.points[point].y = round1(clamp(original.points[point].y + dy, 0, H));
      } else {
        if (kind === "boxes") Object.assign(shape, { x: original.x, y: original.y });
        else shape.points = original.points.map((p) => [...p]);
        moveShape(index, dx, dy);
      }
      drawSvg();
    } else if (state.drawing) {
      state.drawing.x1 = at.x;
      state.drawing.y1 = at.y;
      drawSvg();
    } else if (kind === "polygons" && state.draft) {
      state.hover = at;
      state.keyboard = false;
      drawSvg();
    }
  });

  function endPointer(event) {
    if (state.drag) {
      const { index, vertex, original, moved } = state.drag;
      const shape = shapes[index];
      if (moved && vertex !== null && shape && (outlineCrosses(shape.points) || Math.abs(area(shape.points)) <= 1e-6)) {
        // A corner dragged across another edge: the outline goes back to what it was.
        shape.points = original.points;
        say(words.crossing);
      } else if (moved) {
        save();
        say(coordinates(shape));
      }
      state.drag = null;
      draw();
    } else if (state.drawing) {
      const { x0, y0 } = state.drawing;
      const at = event.type === "pointercancel" ? null : toImage(event);
      state.drawing = null;
      if (at) addBox(x0, y0, at.x, at.y);
      draw();
    }
  }
  svg.addEventListener("pointerup", endPointer);
  svg.addEventListener("pointercancel", endPointer);

  // --- keyboard on the drawing surface ---------------------------------------------------------------
  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  svg.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.isComposing) return;
    const step = event.shiftKey ? 10 : 1;
    const key = event.key;
    const selected = state.selected >= 0 && kind !== "keypoints" && !state.draft ? state.selected : -1;
    if (key in ARROWS) {
      const [dx, dy] = ARROWS[key];
      if (selected >= 0) {
        if (kind === "boxes" && event.altKey) resizeBox(selected, dx * step, dy * step);
        else moveShape(selected, dx * step, dy * step);
        save();
        say(coordinates(shapes[selected]));
      } else {
        state.keyboard = true;
        state.cursor = {
          x: round1(clamp(state.cursor.x + dx * step, 0, W)),
          y: round1(clamp(state.cursor.y + dy * step, 0, H)),
        };
        say(fill(words.cursor, { x: fmt(state.cursor.x), y: fmt(state.cursor.y) }));
      }
    } else if (key === " " || key === "Spacebar" || (key === "Enter" && kind === "boxes")) {
      state.keyboard = true;
      if (kind === "boxes") {
        if (state.draft) {
          const { x0, y0 } = state.draft;
          state.draft = null;
          addBox(x0, y0, state.cursor.x, state.cursor.y);
        } else {
          state.selected = -1;
          state.draft = { x0: state.cursor.x, y0: state.cursor.y };
          say(fill(words.corner, { x: fmt(state.cursor.x), y: fmt(state.cursor.y) }));
        }
      } else if (kind === "polygons") {
        addVertex(state.cursor);
      } else {
        placePoint(state.cursor);
      }
    } else if (key === "Enter" && kind === "polygons" && state.draft) {
      closeOutline();
    } else if (key === "Backspace" && kind === "polygons" && state.draft) {
      state.draft.points.pop();
      if (!state.draft.points.length) state.draft = null;
      else say(fill(words.drawing, { count: fmt(state.draft.points.length) }));
    } else if (key === "Backspace" && kind === "keypoints" && shapes[state.active]?.points.length) {
      shapes[state.active].points.pop();
      save();
    } else if (key === "Delete" || key === "Backspace") {
      const target = state.selected >= 0 ? state.selected : kind === "keypoints" ? state.active : -1;
      if (target < 0 || !shapes[target]) return;
      removeShape(target);
    } else if (key === "Escape") {
      if (state.drag) {
        const { index, original } = state.drag;
        if (kind === "boxes") Object.assign(shapes[index], { x: original.x, y: original.y, width: original.width, height: original.height });
        else shapes[index].points = original.points;
        state.drag = null;
      } else if (state.drawing) {
        state.drawing = null;
      } else if (state.draft) {
        state.draft = null;
        state.hover = null;
      } else if (state.selected >= 0 || state.active >= 0) {
        state.selected = -1;
        state.active = -1;
        say("");
      } else {
        return;
      }
    } else if (kind === "keypoints" && !event.altKey && (event.code === "KeyH" || key === "h" || key === "H")) {
      if (kpHidden) kpHidden.checked = !kpHidden.checked;
    } else if (kind === "keypoints" && !event.altKey && (event.code === "KeyN" || key === "n" || key === "N")) {
      newObject();
    } else {
      return;
    }
    event.preventDefault();
    draw();
  });

  svg.addEventListener("focus", () => {
    state.focused = true;
    drawSvg();
  });
  svg.addEventListener("blur", () => {
    state.focused = false;
    drawSvg();
  });

  // --- keypoint controls ---------------------------------------------------------------------------
  root.querySelector("[data-image-kp-new]")?.addEventListener("click", () => {
    newObject();
    draw();
  });
  root.querySelector("[data-image-kp-skip]")?.addEventListener("click", () => {
    let object = shapes[state.active];
    if (!object || complete(object)) object = newObject();
    const name = nextName(object);
    if (name !== null) {
      object.skipped.add(name);
      if (object.chosen === name) object.chosen = null;
    }
    draw();
  });

  // Shapes keep their size on screen when the column changes width (phone turned, window resized).
  new ResizeObserver(() => drawSvg()).observe(svg);
  save();
  draw();

  // --- image failure: a clear notice with the URL, the annotator can skip -------------------------
  const failed = () => {
    root.querySelector("[data-image-failed]").hidden = false;
    stage.hidden = true;
    // "Nothing to mark" cannot be told from an image nobody saw: leave the answer empty, so a
    // submit is refused and the annotator skips instead.
    if (!shapes.length) answer.value = "";
  };
  img.addEventListener("error", failed);
  if (img.complete && img.naturalWidth === 0) failed();
}

for (const root of document.querySelectorAll('[data-widget="image"]')) init(root);
