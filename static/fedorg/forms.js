// Forms that guide: after a failed submit the error summary at the top of the form is brought
// into view and the first faulty field takes focus, so a clerk never hunts for the error.
(function () {
  "use strict";
  var summary = document.getElementById("form-errors");
  if (!summary) return;
  var field = document.querySelector(".field.has-error input, .field.has-error textarea, .field.has-error select");
  summary.scrollIntoView({ block: "start" });
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus({ preventScroll: true });
  } else {
    summary.focus({ preventScroll: true });
  }
  // The summary's links move focus to the field, not just the scroll position.
  summary.addEventListener("click", function (e) {
    var link = e.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) { e.preventDefault(); target.focus(); target.scrollIntoView({ block: "center" }); }
  });
})();
