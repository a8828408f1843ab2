/*
 * Live progress on the client project page.
 *
 * While an upload is being saved or its items wait for language detection, this polls the JSON API
 * every 2 s (GET with the session cookie: no CSRF token needed) and moves the <progress> bars and
 * counts the server rendered; it stops once nothing is left to do. Without JavaScript the page shows
 * the same bars as they were when it was rendered. An upload finished on this page (upload.js)
 * starts it again. Texts come translated from the page itself (data-state-names); numbers are
 * formatted in the page's language.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_FAILURES = 5;

  var root = document.querySelector("[data-progress-url]");
  if (!root || !window.fetch) {
    return;
  }

  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var stateNames = JSON.parse(root.getAttribute("data-state-names") || "{}");
  var failures = 0;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) {
          var error = new Error("HTTP " + response.status);
          error.status = response.status;
          throw error;
        }
        return response.json();
      }
    );
  }

  function setBar(bar, value, max) {
    if (bar) {
      bar.max = Math.max(max, 1);
      bar.value = value;
    }
  }

  function setText(element, text) {
    if (element) {
      element.textContent = text;
    }
  }

  /* The project's counts; true when no item waits for detection and no upload runs. */
  function showProject(progress) {
    var detection = progress.language_detection;
    setBar(root.querySelector("[data-bar=detection]"), detection.done + detection.triage, progress.total);
    setText(document.querySelector("[data-count=items]"), numbers.format(progress.total));
    ["done", "pending", "triage"].forEach(function (key) {
      setText(root.querySelector('[data-count="' + key + '"]'), numbers.format(detection[key]));
    });
    return detection.pending === 0 && progress.imports_in_progress === 0;
  }

  /* One upload's row; true (and the row stops polling) once it failed or its batch is detected. */
  function showImport(row, upload) {
    setText(row.querySelector("[data-field=state]"), stateNames[upload.state] || upload.state);
    setBar(row.querySelector("[data-bar=upload]"), upload.progress, 1);
    var bar = row.querySelector("[data-bar=detection]");
    if (upload.detection) {
      var checked = upload.detection.total - upload.detection.pending;
      setBar(bar, checked, upload.detection.total);
      setText(
        row.querySelector("[data-field=detection]"),
        numbers.format(checked) + " / " + numbers.format(upload.detection.total)
      );
    } else if (upload.state === "failed") {
      setBar(bar, 0, 1);
    }
    var finished =
      upload.state === "failed" ||
      (upload.state === "succeeded" && upload.detection !== null && upload.detection.pending === 0);
    if (finished) {
      row.removeAttribute("data-import-url");
    }
    return finished;
  }

  function poll() {
    var requests = [getJSON(root.getAttribute("data-progress-url")).then(showProject)];
    root.querySelectorAll("tr[data-import-url]").forEach(function (row) {
      requests.push(
        getJSON(row.getAttribute("data-import-url")).then(function (upload) {
          return showImport(row, upload);
        })
      );
    });
    Promise.all(requests).then(
      function (done) {
        failures = 0;
        if (done.every(Boolean)) {
          root.setAttribute("data-poll", "done");
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      },
      function (error) {
        failures += 1;
        // Signed out or gone (4xx): keep the last figures. Server or network trouble: back off.
        if ((error.status && error.status < 500) || failures >= MAX_FAILURES) {
          return;
        }
        window.setTimeout(poll, POLL_MS * failures);
      }
    );
  }

  if (root.getAttribute("data-poll") === "true") {
    window.setTimeout(poll, POLL_MS);
  }

  // An upload sent from this page (static/js/upload.js) is done: bring the project's counts up to
  // date, and keep polling if it left work (unless a poll is already running).
  document.addEventListener("marketplace:items-uploaded", function () {
    if (root.getAttribute("data-poll") !== "true") {
      root.setAttribute("data-poll", "true");
      poll();
    }
  });
})();
