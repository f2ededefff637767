// Disables the submit button and shows a running "正在处理" line while a long import request runs.
(function () {
  "use strict";
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var status = form.querySelector(".progress");
      var text = form.dataset.progress;
      var input = form.querySelector("input[type=file]");
      if (input && input.files.length) {
        var file = input.files[0];
        text = text.replace("{file}", file.name + "（" + (file.size / 1048576).toFixed(1) + " MB）");
      }
      var started = Date.now();
      var tick = function () {
        status.querySelector(".progress-text").textContent = text + " 已用时 " + Math.round((Date.now() - started) / 1000) + " 秒，请勿关闭页面。";
      };
      window.setTimeout(function () { button.disabled = true; }, 0);
      status.hidden = false;
      tick();
      window.setInterval(tick, 1000);
    });
  });
})();
