// The work page without this script is complete; this adds keyboard shortcuts, the lease
// countdown and the measure of active time sent as `seconds_spent`. It holds no text of its own:
// every word shown comes from the server, already translated.

const page = document.querySelector("[data-work]");
const form = page?.querySelector("[data-work-form]");

// Digits as the server page writes them (Babel uses Latin digits in every locale we serve).
const lang = document.documentElement.lang || "en";
const plain = new Intl.NumberFormat(lang, { numberingSystem: "latn", useGrouping: false });
const padded = new Intl.NumberFormat(lang, { numberingSystem: "latn", minimumIntegerDigits: 2 });

function clock(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = padded.format(s % 60);
  return hours ? `${plain.format(hours)}:${padded.format(minutes)}:${seconds}` : `${plain.format(minutes)}:${seconds}`;
}

// --- time: the lease countdown and the active seconds ------------------------------------------

// Both clocks run on performance.now(), not the wall clock: the server said how many seconds are
// left, so a wrong clock on the annotator's computer cannot shift the countdown.
const countdown = page?.querySelector("[data-countdown]");
const deadline = countdown ? performance.now() + Number(countdown.dataset.secondsLeft) * 1000 : 0;
const activeOut = page?.querySelector("[data-active-time]");
// A page shown again after a refused answer carries the time measured so far: keep counting from it.
let activeMs = Number(page?.querySelector("[data-seconds-spent]")?.value || 0) * 1000;
let visibleSince = document.visibilityState === "visible" ? performance.now() : null;

function activeSeconds() {
  const running = visibleSince === null ? 0 : performance.now() - visibleSince;
  return Math.round((activeMs + running) / 1000);
}

// Time only counts while the page is in front of the annotator.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    visibleSince = performance.now();
  } else if (visibleSince !== null) {
    activeMs += performance.now() - visibleSince;
    visibleSince = null;
  }
});

function tick() {
  if (countdown) {
    const left = (deadline - performance.now()) / 1000;
    countdown.textContent = clock(left);
    if (left <= 0) page.querySelector("[data-lease-expired]")?.removeAttribute("hidden");
  }
  if (activeOut) activeOut.textContent = clock(activeSeconds());
}

if (page) {
  page.querySelector("[data-active-row]")?.removeAttribute("hidden");
  tick();
  setInterval(tick, 1000);
}

// --- the answer form: seconds spent and keyboard shortcuts -----------------------------------

function isTyping(target) {
  return target instanceof Element &&
    target.closest("textarea, select, [contenteditable], input:not([type=radio]):not([type=checkbox]):not([type=hidden])") !== null;
}

function shortcutDigit(event) {
  // event.code names the physical key, so 1-9 work on AZERTY and Arabic layouts too.
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code) ?? /^[1-9]$/.exec(event.key);
  return match ? match[match.length - 1] : null;
}

// A letter shortcut (pairwise: A, B, T), by physical key too so an Arabic layout works.
function shortcutLetter(event) {
  if (event.shiftKey) return null;
  const match = /^Key([A-Z])$/.exec(event.code) ?? /^([a-z])$/i.exec(event.key);
  return match ? match[1].toUpperCase() : null;
}

function isSkipKey(event) {
  return event.key === "s" || event.key === "S" || (!/^[a-z]$/i.test(event.key) && event.code === "KeyS");
}

function enhance(answerForm) {
  const secondsField = answerForm.querySelector("[data-seconds-spent]");
  const submitButton = answerForm.querySelector("[data-submit]");
  const skipButton = answerForm.querySelector("[data-skip]");
  let sent = false;

  answerForm.addEventListener("submit", () => {
    if (secondsField) secondsField.value = String(activeSeconds());
    sent = true;
  });
  answerForm.querySelector("[data-shortcut-help]")?.removeAttribute("hidden");

  document.addEventListener("keydown", (event) => {
    if (sent || event.defaultPrevented || event.isComposing) return;
    const modified = event.altKey || event.ctrlKey || event.metaKey;
    if (event.key === "Enter" && modified && !event.altKey) {
      // Ctrl/Cmd+Enter submits from anywhere, even from the comment.
      event.preventDefault();
      answerForm.requestSubmit(submitButton);
      return;
    }
    if (modified || isTyping(event.target)) return;
    const digit = shortcutDigit(event);
    const letter = shortcutLetter(event);
    const choice = digit
      ? answerForm.querySelector(`[data-shortcut="${digit}"]`)
      : letter && answerForm.querySelector(`[data-shortcut-letter="${letter}"]`);
    if (choice) {
      event.preventDefault();
      if (choice instanceof HTMLButtonElement) {
        // A label button of a widget (NER): it acts on the text's selection, so focus stays there.
        choice.click();
        return;
      }
      choice.checked = choice.type === "checkbox" ? !choice.checked : true;
      choice.focus();
    } else if (digit) {
      return;
    } else if (event.key === "Enter") {
      // Buttons, links and disclosure summaries keep their own meaning of Enter.
      if (event.target instanceof Element && event.target.closest("button, a, summary")) return;
      event.preventDefault();
      answerForm.requestSubmit(submitButton);
    } else if (isSkipKey(event) && !event.shiftKey) {
      event.preventDefault();
      answerForm.requestSubmit(skipButton);
    }
  });
}

if (form) enhance(form);
