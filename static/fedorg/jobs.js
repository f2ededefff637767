// The progress page of a background job: polls its JSON once a second and updates the bar,
// the count and the download link, until the job is no longer queued or running.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var url = box.dataset.jobStatus;
  var set = function (selector, text) {
    var el = box.querySelector(selector);
    if (el) { el.textContent = text; }
  };
  var poll = function () {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        box.querySelector(".job-bar").value = data.percent;
        set(".job-status", data.status_label);
        set(".job-done", data.rows_done);
        set(".job-total", data.rows_total === null ? "" : data.rows_total);
        // The total is known once the job has counted its rows (the page may have been opened before).
        box.querySelectorAll(".job-of").forEach(function (el) { el.hidden = data.rows_total === null; });
        set(".job-percent", data.percent);
        var message = box.querySelector(".job-message");
        message.textContent = data.message;
        message.hidden = !data.message;
        if (data.download) {
          var link = box.querySelector(".job-download");
          link.href = data.download;
          link.textContent = data.download_label;
          link.hidden = false;
        }
        if (data.active) {
          window.setTimeout(poll, 1000);
        } else if (box.dataset.reloadWhenDone && data.status === "done") {
          // A page waiting for its figures (a province counted city by city): they are kept now.
          window.location.reload();
        } else {
          var cancel = box.querySelector(".job-cancel");
          if (cancel) { cancel.hidden = true; }
          var note = box.querySelector(".job-note");
          if (note) { note.hidden = true; }
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  };
  if (box.querySelector(".job-cancel") || box.dataset.reloadWhenDone) { window.setTimeout(poll, 1000); }
})();
