// Small page behaviours, kept out of the templates so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  // Login page on a development server: a click on a demo login fills the form.
  document.querySelectorAll(".demo-login").forEach(function (b) {
    b.addEventListener("click", function () {
      document.getElementById("id_username").value = b.dataset.username;
      document.getElementById("id_password").value = b.dataset.password;
      document.getElementById("id_password").focus();
    });
  });
  // Print buttons on the printable report and certificate pages.
  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
