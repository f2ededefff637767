// Pinning cells when sending a return back (issue 14). Each cell of the table is a <label> around a
// checkbox that belongs to the send-back form, so a click pins it even without this script; the
// script lists the pinned cells beside the form and shows a bar to go back to it.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[type=checkbox][name=pin]");
  var picked = document.querySelector("[data-pin-list]");
  if (!boxes.length || !picked) return;
  var list = picked.querySelector("ul");
  var empty = picked.querySelector("[data-pin-empty]");
  var bar = document.querySelector("[data-pin-bar]");
  var count = bar && bar.querySelector("[data-pin-count]");

  function render() {
    var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
    list.textContent = "";
    checked.forEach(function (b) {
      var li = document.createElement("li");
      li.textContent = b.dataset.label + " ";
      var undo = document.createElement("button");
      undo.type = "button"; undo.className = "link"; undo.textContent = "取消";
      undo.setAttribute("aria-label", "取消标注 " + b.dataset.label);
      undo.addEventListener("click", function () { b.checked = false; render(); });
      li.appendChild(undo);
      list.appendChild(li);
    });
    empty.hidden = checked.length > 0;
    if (bar) {
      bar.hidden = checked.length === 0;
      count.textContent = "已标注 " + checked.length + " 处";
    }
  }
  boxes.forEach(function (b) { b.addEventListener("change", render); });
  render();
})();
