/*
 * The upload form on the client project page, with JavaScript.
 *
 * Without this script the form posts to the page route, which stores the file and comes back to
 * the project page. With it, the same form (its fields have the API's multipart names) goes to
 * the JSON API by XMLHttpRequest, so the client sees the bytes leave (a <progress> of the upload),
 * then the import's own progress (state, items saved, language detection) by polling the import
 * until it is done. The session cookie authenticates; cookie-authenticated API writes must carry
 * the page's CSRF token in X-CSRFToken. The outcome is announced in an aria-live region; the API's
 * messages (already in the reader's language) are listed next to the file input on refusal.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var MAX_FAILURES = 5;

  var form = document.querySelector("form[data-upload-form]");
  if (!form || !window.XMLHttpRequest || !window.FormData || !window.fetch) {
    return;
  }

  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var stateNames = JSON.parse(form.getAttribute("data-state-names") || "{}");
  var panel = form.querySelector("[data-upload-progress]");
  var live = form.querySelector("[data-upload-live]");
  var errorList = form.querySelector("[data-upload-errors]");
  var fileInput = form.querySelector("input[type=file]");
  var submit = form.querySelector("[type=submit]");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');

  function setBar(name, value, max) {
    var bar = panel.querySelector('[data-bar="' + name + '"]');
    if (bar) {
      bar.max = Math.max(max, 1);
      bar.value = Math.min(value, bar.max);
    }
  }

  function setText(name, text) {
    var element = panel.querySelector('[data-field="' + name + '"]');
    if (element) {
      element.textContent = text;
    }
  }

  function announce(text) {
    live.textContent = text;
  }

  function busy(on) {
    submit.disabled = on;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function clearErrors() {
    errorList.textContent = "";
    errorList.hidden = true;
    fileInput.setAttribute("aria-invalid", "false");
    fileInput.closest(".field").classList.remove("has-error");
  }

  /* The problems the API reported, each with the place in the file it concerns. */
  function showErrors(errors) {
    errorList.textContent = "";
    errors.forEach(function (error) {
      var item = document.createElement("li");
      if (error.field) {
        var code = document.createElement("code");
        code.dir = "ltr";
        code.textContent = error.field;
        item.appendChild(code);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(error.message));
      errorList.appendChild(item);
    });
    errorList.hidden = errors.length === 0;
    fileInput.setAttribute("aria-invalid", "true");
    var described = (fileInput.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf(errorList.id) < 0) {
      described.push(errorList.id);
      fileInput.setAttribute("aria-describedby", described.join(" ").trim());
    }
    fileInput.closest(".field").classList.add("has-error");
  }

  function refused(errors) {
    // Nothing was saved: the bars would only suggest otherwise.
    panel.hidden = true;
    showErrors(errors);
    announce(form.getAttribute("data-text-refused"));
    form.setAttribute("data-upload-state", "refused");
    busy(false);
    errorList.focus();
  }

  function finished() {
    announce(form.getAttribute("data-text-done"));
    form.setAttribute("data-upload-state", "done");
    busy(false);
    // Let the project's own bars and counts catch up (static/js/progress.js).
    document.dispatchEvent(new CustomEvent("marketplace:items-uploaded"));
  }

  /* The import as the API reports it; true once there is nothing more to wait for. */
  function showImport(upload) {
    setText("state", stateNames[upload.state] || upload.state);
    setBar("upload", upload.progress, 1);
    if (upload.detection) {
      var checked = upload.detection.total - upload.detection.pending;
      setBar("detection", checked, upload.detection.total);
      setText("detection", numbers.format(checked) + " / " + numbers.format(upload.detection.total));
    }
    if (upload.state === "failed") {
      refused(upload.errors || []);
      return true;
    }
    if (upload.state === "succeeded" && upload.detection && upload.detection.pending === 0) {
      finished();
      return true;
    }
    return false;
  }

  function watch(url) {
    var failures = 0;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            var error = new Error("HTTP " + response.status);
            error.status = response.status;
            throw error;
          }
          return response.json();
        })
        .then(
          function (upload) {
            failures = 0;
            if (!showImport(upload)) {
              window.setTimeout(poll, POLL_MS);
            }
          },
          function (error) {
            failures += 1;
            if ((error.status && error.status < 500) || failures >= MAX_FAILURES) {
              announce(form.getAttribute("data-text-failed"));
              busy(false);
              return;
            }
            window.setTimeout(poll, POLL_MS * failures);
          }
        );
    }
    poll();
  }

  function parse(xhr) {
    try {
      return JSON.parse(xhr.responseText);
    } catch (ignored) {
      return null;
    }
  }

  function onResponse(xhr) {
    var body = parse(xhr);
    if ((xhr.status === 201 || xhr.status === 202) && body && body["import"]) {
      setBar("sent", 1, 1);
      var url = form.getAttribute("data-watch-url").replace("IMPORT_ID", body["import"].id);
      if (!showImport(body["import"])) {
        watch(url);
      }
      return;
    }
    var error = body && body.error;
    if (error) {
      refused(error.errors && error.errors.length ? error.errors : [{ field: error.field, message: error.message }]);
    } else {
      announce(form.getAttribute("data-text-failed"));
      busy(false);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    clearErrors();
    busy(true);
    announce("");
    form.setAttribute("data-upload-state", "sending");
    panel.hidden = false;
    setBar("sent", 0, 1);
    setBar("upload", 0, 1);
    setText("state", "");
    setText("detection", "");
    // No value: indeterminate until the batch is stored and detection has counts.
    panel.querySelector('[data-bar="detection"]').removeAttribute("value");

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-api-url"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfMeta ? csrfMeta.getAttribute("content") : "");
    xhr.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        setBar("sent", progress.loaded, progress.total);
      }
    });
    xhr.upload.addEventListener("load", function () {
      setBar("sent", 1, 1);
      form.setAttribute("data-upload-state", "sent");
    });
    xhr.addEventListener("load", function () {
      onResponse(xhr);
    });
    xhr.addEventListener("error", function () {
      announce(form.getAttribute("data-text-failed"));
      form.setAttribute("data-upload-state", "error");
      busy(false);
    });
    xhr.send(new FormData(form));
  });
})();
