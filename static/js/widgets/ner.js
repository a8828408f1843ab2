// NER widget: select a passage of the item text (mouse, or Shift+arrows inside the text), press a
// label's digit or button, and the span is drawn and listed. The answer travels in the form's
// textarea as {"spans": [...]}, with offsets in code points as the server counts them (JavaScript
// strings count UTF-16 units, so an emoji or a rare CJK character would shift every offset).
// No text of its own: every word shown comes from the server page.
//
// A page may hold several widgets (the exam: one per question). Each `[data-ner="<id>"]` finds its
// text and the text's exact copy by `data-ner-for="<id>"`, and keeps its state in its own closure.

// --- offsets: UTF-16 inside the page, code points on the wire --------------------------------

function toCodePoints(text, unit) {
  return Array.from(text.slice(0, unit)).length;
}

function toUnits(text, point) {
  return Array.from(text).slice(0, point).join("").length;
}

// Never cut a surrogate pair in two: move the offset to the pair's start.
function snap(text, unit) {
  const code = text.charCodeAt(unit - 1);
  return unit > 0 && unit < text.length && code >= 0xd800 && code <= 0xdbff ? unit - 1 : unit;
}

function start(widget, box, answer, text, spans, state, labels) {
  const list = widget.querySelector("[data-ner-list]");
  const empty = widget.querySelector("[data-ner-empty]");
  const row = widget.querySelector("template[data-ner-row]");

  // Draw the text as runs between span boundaries; every run knows its UTF-16 offset, so a DOM
  // selection maps back to offsets whatever marks surround it. Labels are written out after each
  // span by CSS (content: attr()), which keeps them out of the selectable text.
  function draw() {
    const cuts = new Set([0, text.length]);
    for (const s of spans) { cuts.add(s.start); cuts.add(s.end); }
    const points = [...cuts].sort((a, b) => a - b);
    box.replaceChildren();
    for (let i = 0; i < points.length - 1; i += 1) {
      const [from, to] = [points[i], points[i + 1]];
      const run = document.createElement("span");
      run.dataset.at = String(from);
      run.textContent = text.slice(from, to);
      const covering = spans.filter((s) => s.start <= from && s.end >= to);
      let node = run;
      if (covering.length) {
        node = document.createElement("mark");
        node.className = "ner-mark";
        node.append(run);
      }
      box.append(node);
      for (const s of spans.filter((x) => x.end === to)) {
        const tag = document.createElement("span");
        tag.className = "ner-tag";
        tag.dataset.tag = s.label;
        box.append(tag);
      }
    }
    list.replaceChildren();
    spans.forEach((s, index) => {
      const item = row.content.firstElementChild.cloneNode(true);
      item.querySelector(".ner-row-label").textContent = s.label;
      item.querySelector(".ner-row-text").textContent = text.slice(s.start, s.end);
      item.querySelector("[data-ner-remove]").addEventListener("click", () => {
        spans.splice(index, 1);
        save();
        draw();
        box.focus();
      });
      list.append(item);
    });
    empty.hidden = spans.length > 0;
    list.hidden = spans.length === 0;
  }

  function save() {
    answer.value = JSON.stringify({
      spans: spans.map((s) => ({
        start: toCodePoints(text, s.start),
        end: toCodePoints(text, s.end),
        label: s.label,
        text: text.slice(s.start, s.end),
      })),
    });
  }

  // DOM point -> UTF-16 offset in the text.
  function offsetOf(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const run = node.parentElement?.closest("[data-at]");
      return run ? Number(run.dataset.at) + offset : 0;
    }
    if (!(node instanceof Element)) return 0;
    const next = node.childNodes[offset];
    if (next) {
      const run = next instanceof Element ? (next.matches("[data-at]") ? next : next.querySelector("[data-at]")) : next.parentElement?.closest("[data-at]");
      if (run) return Number(run.dataset.at);
    }
    const runs = node.querySelectorAll("[data-at]");
    const last = runs[runs.length - 1];
    return last ? Number(last.dataset.at) + last.textContent.length : text.length;
  }

  // UTF-16 offset -> DOM point, to show a keyboard selection.
  function pointOf(unit) {
    for (const run of box.querySelectorAll("[data-at]")) {
      const at = Number(run.dataset.at);
      if (unit >= at && unit <= at + run.textContent.length && run.firstChild) return [run.firstChild, unit - at];
    }
    return [box, box.childNodes.length];
  }

  function showSelection() {
    const [a, ao] = pointOf(state.anchor);
    const [f, fo] = pointOf(state.focus);
    window.getSelection()?.setBaseAndExtent(a, ao, f, fo);
  }

  // The last selection made inside the text, kept while a label button is clicked.
  function readSelection() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0) return;
    if (!box.contains(selection.anchorNode) || !box.contains(selection.focusNode)) return;
    state.anchor = snap(text, offsetOf(selection.anchorNode, selection.anchorOffset));
    state.focus = snap(text, offsetOf(selection.focusNode, selection.focusOffset));
  }
  document.addEventListener("selectionchange", readSelection);

  const wordBreak = /\s/u;
  function move(unit, forward, byWord) {
    let next = unit;
    const step = () => {
      if (forward && next < text.length) next += Array.from(text.slice(next, next + 2))[0].length;
      else if (!forward && next > 0) next = snap(text, next - 1);
    };
    step();
    if (byWord) {
      while (next > 0 && next < text.length && !wordBreak.test(forward ? text[next] : text[next - 1])) step();
    }
    return next;
  }

  box.tabIndex = 0;
  box.addEventListener("keydown", (event) => {
    const arrows = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key in arrows) {
      // In right-to-left text the left arrow moves forward in reading order.
      const rtl = getComputedStyle(box).direction === "rtl";
      const forward = (arrows[event.key] === 1) !== rtl;
      state.focus = move(state.focus, forward, event.ctrlKey || event.altKey);
      if (!event.shiftKey) state.anchor = state.focus;
    } else if (event.key === "Home" || event.key === "End") {
      state.focus = event.key === "Home" ? 0 : text.length;
      if (!event.shiftKey) state.anchor = state.focus;
    } else if (event.key === "Escape") {
      state.anchor = state.focus;
    } else {
      return;
    }
    event.preventDefault();
    showSelection();
  });

  function addSpan(label) {
    readSelection(); // selectionchange comes late: a key pressed right after a mouse selection beats it
    let [from, to] = [Math.min(state.anchor, state.focus), Math.max(state.anchor, state.focus)];
    // Leading and trailing spaces are almost never meant: a double-click selects them too.
    while (from < to && /\s/u.test(text[from])) from += 1;
    while (to > from && /\s/u.test(text[to - 1])) to -= 1;
    if (from === to) {
      box.focus();
      return;
    }
    if (spans.some((s) => s.start === from && s.end === to && s.label === label)) return;
    spans.push({ start: from, end: to, label });
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    state.anchor = state.focus = to;
    save();
    draw();
    window.getSelection()?.removeAllRanges();
    box.focus({ preventScroll: true });
    showSelection();
  }

  for (const button of labels) {
    // Keep the text's selection: a mouse press on the button would otherwise clear it.
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => addSpan(button.dataset.nerLabel));
  }

  draw();
}

function restore(answer, text) {
  // Spans already in the textarea (a page shown again after a refused answer) are drawn back.
  try {
    const parsed = JSON.parse(answer.value || "{\"spans\": []}");
    const raw = Array.isArray(parsed) ? parsed : parsed.spans;
    if (!Array.isArray(raw)) return null;
    const points = Array.from(text).length;
    // Offsets the widget cannot draw (typed by hand, refused by the server) keep the JSON in view.
    const drawable = (s) => Number.isInteger(s?.start) && Number.isInteger(s?.end) &&
      s.start >= 0 && s.start < s.end && s.end <= points && typeof s.label === "string";
    if (!raw.every(drawable)) return null;
    return raw.map((s) => ({ start: toUnits(text, s.start), end: toUnits(text, s.end), label: s.label }));
  } catch {
    return null;
  }
}

for (const widget of document.querySelectorAll("[data-ner]")) {
  const id = CSS.escape(widget.dataset.ner);
  const box = document.querySelector(`[data-ner-text][data-ner-for="${id}"]`);
  const source = document.querySelector(`[data-ner-source][data-ner-for="${id}"]`);
  const answer = widget.querySelector("[data-ner-answer]");
  if (!box || !source || !answer) continue;
  const text = JSON.parse(source.textContent);
  const spans = restore(answer, text);
  // Unreadable JSON stays in view, so what the annotator typed is not lost.
  if (spans !== null) {
    widget.querySelector("[data-ner-tools]").hidden = false;
    widget.querySelector("[data-ner-fallback]").hidden = true;
    start(widget, box, answer, text, spans, { anchor: 0, focus: 0 }, widget.querySelectorAll("[data-ner-label]"));
  }
}
