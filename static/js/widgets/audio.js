// Audio transcription widget: a list of speaker turns {speaker, start, end, text} edited next to
// the page's <audio> player, kept sorted by start, with a small timeline. The answer travels in the
// form's textarea as {"segments": [...]}, rewritten on every change. Every container
// [data-widget="audio"] is set up on its own (the exam page shows several); no text of its own:
// every word shown comes from the server page.

const lang = document.documentElement.lang || "en";
const plain = new Intl.NumberFormat(lang, { numberingSystem: "latn", useGrouping: false });
const secondsFormat = new Intl.NumberFormat(lang, {
  numberingSystem: "latn", useGrouping: false, minimumIntegerDigits: 2, minimumFractionDigits: 1, maximumFractionDigits: 1,
});

const EPSILON = 1e-6;
const NEW_TURN_SECONDS = 3;

/** Seconds as m:ss.s (tenths), in the page's locale with Latin digits. */
function clock(total) {
  if (!Number.isFinite(total)) return "";
  const tenths = Math.round(Math.max(0, total) * 10);
  const minutes = Math.floor(tenths / 600);
  return `${plain.format(minutes)}:${secondsFormat.format((tenths - minutes * 600) / 10)}`;
}

const round2 = (value) => Math.round(value * 100) / 100;

/** The JSON in the textarea as turns, or null when it is not something the editor can show. */
function parseAnswer(text, allowed) {
  const raw = text.trim();
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw);
    const segments = Array.isArray(parsed) ? parsed : parsed?.segments;
    if (!Array.isArray(segments)) return null;
    const fits = (s) => s && typeof s === "object" && typeof s.speaker === "string" &&
      typeof s.text === "string" && Number.isFinite(s.start) && Number.isFinite(s.end) &&
      (!allowed.length || allowed.includes(s.speaker));
    if (!segments.every(fits)) return null;
    return segments.map((s) => ({ speaker: s.speaker, start: s.start, end: s.end, text: s.text }));
  } catch {
    return null;
  }
}

function init(root) {
  const answer = root.querySelector("[data-widget-answer]");
  const tools = root.querySelector("[data-audio-tools]");
  const fallback = root.querySelector("[data-widget-fallback]");
  const audio = root.querySelector("[data-audio-player]");
  const failed = root.querySelector("[data-audio-failed]");
  const list = root.querySelector("[data-audio-list]");
  const rowTemplate = root.querySelector("template[data-audio-turn]");
  if (!answer || !tools || !fallback || !list || !rowTemplate) return;

  // --- the player, and telling the annotator when it cannot play ------------------------------
  const showFailure = () => { if (failed) failed.hidden = false; };
  if (audio) {
    // A <source> that fails fires its own error, which does not bubble: catch it on the way down.
    audio.addEventListener("error", showFailure, true);
    // The module runs after parsing: the source may already have failed.
    if (audio.error || audio.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) showFailure();
    audio.addEventListener("loadedmetadata", () => { if (failed && !audio.error) failed.hidden = true; });
  }

  const rowSpeaker = rowTemplate.content.querySelector("[data-turn-speaker]");
  const fixedSpeakers = rowSpeaker instanceof HTMLSelectElement ? [...rowSpeaker.options].map((o) => o.value) : [];
  const turns = parseAnswer(answer.value, fixedSpeakers);
  // Unreadable JSON (typed by hand, refused by the server) stays in view, so nothing is lost.
  if (turns === null) return;
  tools.hidden = false;
  fallback.hidden = true;

  const declared = Number(root.dataset.duration);
  const maxSpeakers = Number(root.dataset.maxSpeakers) || Infinity;
  const pattern = root.dataset.speakerPattern || "{n}";
  const datalist = root.querySelector("[data-audio-speakers]");
  const empty = root.querySelector("[data-audio-empty]");
  const tooMany = root.querySelector("[data-audio-too-many]");
  const timeline = root.querySelector("[data-audio-timeline]");
  const lanes = root.querySelector("[data-audio-lanes]");
  const playhead = root.querySelector("[data-audio-playhead]");
  const nowOut = root.querySelector("[data-audio-now]");
  const problems = Object.fromEntries([...root.querySelectorAll("[data-problem]")].map((el) => [el.dataset.problem, el.textContent]));

  let current = null; // the turn last focused: the keys act on it
  let stopAt = null; // "Play this turn" pauses here
  let rowCount = 0; // numbers the rows' ids

  const duration = () => {
    if (Number.isFinite(declared) && declared > 0) return declared;
    return audio && Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : null;
  };
  const now = () => (audio ? audio.currentTime : 0);
  const clamp = (t) => {
    const most = duration();
    return round2(Math.max(0, most === null ? t : Math.min(t, most)));
  };

  // --- the answer --------------------------------------------------------------------------
  function save() {
    answer.value = turns.length ? JSON.stringify({
      segments: turns.map((t) => ({ speaker: t.speaker, start: t.start, end: t.end, text: t.text })),
    }) : "";
  }

  const speakersUsed = () => [...new Set(turns.map((t) => t.speaker).filter((s) => s.trim()))];

  // A new turn goes to somebody other than the one who speaks just before it: conversations
  // alternate. A new name ("Speaker 3") only while fewer people than allowed have spoken.
  function nextSpeaker(before) {
    const previous = before?.speaker;
    if (fixedSpeakers.length) {
      if (previous === undefined) return fixedSpeakers[0];
      return fixedSpeakers[(fixedSpeakers.indexOf(previous) + 1) % fixedSpeakers.length];
    }
    const used = speakersUsed();
    const other = [...turns].reverse().find((t) => t.speaker.trim() && t.speaker !== previous);
    if (other && used.length >= 2) return other.speaker;
    if (used.length >= maxSpeakers) return previous ?? used[0] ?? "";
    for (let n = used.length + 1; ; n += 1) {
      const name = pattern.replace("{n}", plain.format(n));
      if (!used.includes(name)) return name;
    }
  }

  // --- the list of turns -------------------------------------------------------------------
  function problemsOf(turn, index) {
    const found = [];
    if (!turn.speaker.trim()) found.push("speaker");
    if (!(turn.end > turn.start + EPSILON)) found.push("end");
    const most = duration();
    if (most !== null && turn.end > most + EPSILON) found.push("after");
    const overlapping = turns.slice(0, index).some((t) => t.speaker === turn.speaker && turn.start < t.end - EPSILON);
    if (overlapping) found.push("overlap");
    if (!turn.text.trim() && turn !== current) found.push("text");
    return found;
  }

  function showProblems() {
    turns.forEach((turn, index) => {
      const found = problemsOf(turn, index);
      const box = turn.row.querySelector("[data-turn-problems]");
      box.replaceChildren(...found.map((key) => {
        const li = document.createElement("li");
        li.textContent = problems[key] ?? "";
        return li;
      }));
      box.hidden = found.length === 0;
      const mark = (selector, bad) => {
        const field = turn.row.querySelector(selector);
        if (bad) field.setAttribute("aria-invalid", "true");
        else field.removeAttribute("aria-invalid");
      };
      mark("[data-turn-end]", found.includes("end") || found.includes("after"));
      mark("[data-turn-start]", found.includes("overlap"));
      mark("[data-turn-speaker]", found.includes("speaker"));
    });
    if (tooMany) tooMany.hidden = speakersUsed().length <= maxSpeakers;
  }

  function showTimes(turn) {
    const row = turn.row;
    const start = row.querySelector("[data-turn-start]");
    const end = row.querySelector("[data-turn-end]");
    if (document.activeElement !== start || start.valueAsNumber !== turn.start) start.value = String(turn.start);
    if (document.activeElement !== end || end.valueAsNumber !== turn.end) end.value = String(turn.end);
    row.querySelector("[data-turn-start-clock]").textContent = clock(turn.start);
    row.querySelector("[data-turn-end-clock]").textContent = clock(turn.end);
  }

  function refreshSpeakers() {
    if (!datalist) return;
    datalist.replaceChildren(...speakersUsed().map((name) => {
      const option = document.createElement("option");
      option.value = name;
      return option;
    }));
  }

  // Sorted by start (a stable sort keeps equal starts in the order they were made). Rows are
  // moved, never rebuilt, so what is being typed stays; the focus is put back where it was.
  function order() {
    turns.sort((a, b) => a.start - b.start);
    const rows = [...list.children];
    if (rows.length !== turns.length || turns.some((t, i) => rows[i] !== t.row)) {
      const focused = document.activeElement;
      const caret = focused instanceof HTMLTextAreaElement ? [focused.selectionStart, focused.selectionEnd] : null;
      list.append(...turns.map((t) => t.row));
      if (focused instanceof HTMLElement && list.contains(focused) && document.activeElement !== focused) {
        focused.focus({ preventScroll: true });
        if (caret) focused.setSelectionRange(caret[0], caret[1]);
      }
    }
    empty.hidden = turns.length > 0;
    list.hidden = turns.length === 0;
  }

  function changed() {
    order();
    turns.forEach(showTimes);
    refreshSpeakers();
    showProblems();
    drawTimeline();
    save();
  }

  function setTime(turn, which, value) {
    turn[which] = clamp(value);
    changed();
  }

  function makeRow(turn) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    turn.row = row;
    rowCount += 1;
    const problemBox = row.querySelector("[data-turn-problems]");
    problemBox.id = `${answer.id}-turn-${rowCount}-problems`;
    for (const field of row.querySelectorAll("[data-turn-speaker], [data-turn-start], [data-turn-end], [data-turn-text]")) {
      field.setAttribute("aria-describedby", problemBox.id);
    }
    const speaker = row.querySelector("[data-turn-speaker]");
    const start = row.querySelector("[data-turn-start]");
    const end = row.querySelector("[data-turn-end]");
    const text = row.querySelector("[data-turn-text]");
    speaker.value = turn.speaker;
    text.value = turn.text;
    const most = duration();
    if (most !== null) { start.max = String(most); end.max = String(most); }

    row.addEventListener("focusin", () => { current = turn; });
    speaker.addEventListener("input", () => { turn.speaker = speaker.value; save(); drawTimeline(); });
    speaker.addEventListener("change", () => { turn.speaker = speaker.value.trim(); speaker.value = turn.speaker; changed(); });
    text.addEventListener("input", () => { turn.text = text.value; save(); });
    text.addEventListener("change", showProblems);
    for (const [input, which] of [[start, "start"], [end, "end"]]) {
      // Typing keeps the number as typed; leaving the field rounds it and puts the turn in order.
      input.addEventListener("input", () => {
        if (Number.isFinite(input.valueAsNumber)) { turn[which] = input.valueAsNumber; save(); }
      });
      input.addEventListener("change", () => {
        if (Number.isFinite(input.valueAsNumber)) turn[which] = round2(Math.max(0, input.valueAsNumber));
        changed();
      });
    }
    row.querySelector("[data-turn-start-now]").addEventListener("click", () => setTime(turn, "start", now()));
    row.querySelector("[data-turn-end-now]").addEventListener("click", () => setTime(turn, "end", now()));
    row.querySelector("[data-turn-play]").addEventListener("click", () => playTurn(turn));
    row.querySelector("[data-turn-remove]").addEventListener("click", () => {
      const index = turns.indexOf(turn);
      turns.splice(index, 1);
      row.remove();
      if (current === turn) current = null;
      changed();
      // The focus goes to a neighbour, or to the add button when the list is empty.
      const next = turns[Math.min(index, turns.length - 1)];
      (next ? next.row.querySelector("[data-turn-text]") : root.querySelector("[data-audio-add]"))?.focus();
    });
    return row;
  }

  function addTurn() {
    const most = duration();
    let start = clamp(now());
    if (most !== null && start > most - 0.5) start = round2(Math.max(0, most - NEW_TURN_SECONDS));
    const later = turns.find((t) => t.start > start + EPSILON);
    // It ends where the next turn starts, or a few seconds on, whichever comes first.
    let end = clamp(Math.min(later ? later.start : Infinity, start + NEW_TURN_SECONDS));
    if (end <= start) end = round2(start + NEW_TURN_SECONDS);
    const before = [...turns].reverse().find((t) => t.start <= start + EPSILON);
    const turn = { speaker: nextSpeaker(before), start, end, text: "" };
    turns.push(turn);
    makeRow(turn);
    current = turn;
    changed();
    const text = turn.row.querySelector("[data-turn-text]");
    text.focus();
    text.scrollIntoView({ block: "nearest" });
  }

  // --- playing -----------------------------------------------------------------------------
  function togglePlay() {
    if (!audio) return;
    stopAt = null;
    if (audio.paused) audio.play().catch(() => {});
    else audio.pause();
  }

  function playTurn(turn) {
    if (!audio) return;
    audio.currentTime = turn.start;
    stopAt = turn.end;
    audio.play().catch(() => {});
  }

  function tick() {
    const t = now();
    if (stopAt !== null && t >= stopAt - 0.01) {
      audio.pause();
      stopAt = null;
    }
    if (nowOut) nowOut.textContent = clock(t);
    const most = duration();
    if (playhead && most) playhead.style.left = `${Math.min(100, (t / most) * 100)}%`;
  }

  if (audio) {
    // timeupdate comes about four times a second; while playing, follow every frame instead, so a
    // turn played on its own stops on time and the playhead moves smoothly.
    const follow = () => {
      tick();
      if (!audio.paused) requestAnimationFrame(follow);
    };
    audio.addEventListener("play", () => requestAnimationFrame(follow));
    audio.addEventListener("timeupdate", tick);
    audio.addEventListener("seeked", tick);
    audio.addEventListener("pause", () => { stopAt = null; tick(); });
    audio.addEventListener("loadedmetadata", () => {
      const most = duration();
      if (most !== null) {
        for (const input of list.querySelectorAll("[data-turn-start], [data-turn-end]")) input.max = String(most);
      }
      changed();
    });
  }

  // --- the timeline: a bar per turn, a row per speaker, the speaker's name written on it -----
  function drawTimeline() {
    const most = duration() ?? Math.max(0, ...turns.map((t) => t.end));
    if (!timeline || !lanes || !most || turns.length === 0) {
      if (timeline) timeline.hidden = true;
      return;
    }
    timeline.hidden = false;
    const names = [...new Set(turns.map((t) => t.speaker))];
    lanes.replaceChildren(...names.map((name, lane) => {
      const row = document.createElement("div");
      row.className = "audio-lane";
      row.dataset.lane = String(lane % 6);
      for (const turn of turns.filter((t) => t.speaker === name)) {
        const bar = document.createElement("div");
        bar.className = "audio-segment";
        if (turn === current) bar.classList.add("is-current");
        const from = Math.max(0, Math.min(turn.start, turn.end)) / most;
        const to = Math.max(turn.start, turn.end) / most;
        bar.style.left = `${Math.min(100, from * 100)}%`;
        bar.style.width = `${Math.max(0.5, Math.min(100 - from * 100, (to - from) * 100))}%`;
        bar.textContent = name;
        bar.dir = "auto"; // a speaker's name, in whatever script it is written
        bar.title = `${name} ${clock(turn.start)}–${clock(turn.end)}`;
        bar.addEventListener("click", (event) => {
          event.stopPropagation();
          if (audio) audio.currentTime = turn.start;
          turn.row.querySelector("[data-turn-text]").focus();
        });
        row.append(bar);
      }
      return row;
    }));
    tick();
  }

  timeline?.addEventListener("click", (event) => {
    const most = duration();
    if (!audio || !most) return;
    const box = timeline.getBoundingClientRect();
    audio.currentTime = Math.max(0, Math.min(most, ((event.clientX - box.left) / box.width) * most));
  });
  root.addEventListener("focusin", () => { showProblems(); drawTimeline(); });

  root.querySelector("[data-audio-add]")?.addEventListener("click", addTurn);

  // --- keys: Alt + a physical key (event.code), so they work on any keyboard layout and while
  // typing; on a Mac, Option+P would otherwise type a character. The keys act on this widget when
  // the focus is in it, or when the focus is in no audio widget at all and this is the first one.
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return;
    const owner = event.target instanceof Element ? event.target.closest('[data-widget="audio"]') : null;
    if (owner ? owner !== root : document.querySelector('[data-widget="audio"]') !== root) return;
    const actions = {
      KeyP: togglePlay,
      KeyN: addTurn,
      BracketLeft: () => { if (current) setTime(current, "start", now()); },
      BracketRight: () => { if (current) setTime(current, "end", now()); },
    };
    const action = actions[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });

  for (const turn of turns) list.append(makeRow(turn));
  changed();
}

for (const root of document.querySelectorAll('[data-widget="audio"]')) init(root);
