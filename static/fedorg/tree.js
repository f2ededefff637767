// The tree navigator: children are fetched from the API when a node is first expanded.
(function () {
  "use strict";
  var tree = document.querySelector(".tree");
  if (!tree) return;
  var api = tree.dataset.api; // "/api/v1/units/0/children/"; units are addressed by their code

  function childrenUrl(code) { return api.replace("/0/", "/" + encodeURIComponent(code) + "/") + "?limit=500"; }

  function node(unit) {
    var li = document.createElement("li");
    li.dataset.id = unit.code;
    if (unit.archived_at) li.className = "archived";
    if (unit.has_children) {
      var b = document.createElement("button");
      b.className = "toggle"; b.textContent = "▸"; b.setAttribute("aria-expanded", "false"); b.setAttribute("aria-label", "展开");
      li.appendChild(b);
    } else {
      var s = document.createElement("span"); s.className = "leaf"; s.textContent = "·"; li.appendChild(s);
    }
    var a = document.createElement("a");
    a.href = unit.url; a.textContent = unit.name; a.title = unit.kind_label + " " + unit.code;
    li.appendChild(a);
    return li;
  }

  function expand(li, button) {
    var open = button.getAttribute("aria-expanded") === "true";
    var sub = li.querySelector(":scope > ul");
    if (open) { sub.hidden = true; button.setAttribute("aria-expanded", "false"); button.textContent = "▸"; return; }
    button.setAttribute("aria-expanded", "true"); button.textContent = "▾";
    if (sub) { sub.hidden = false; return; }
    sub = document.createElement("ul");
    sub.innerHTML = "<li class='muted'>加载中…</li>";
    li.appendChild(sub);
    fetch(childrenUrl(li.dataset.id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (page) {
        var units = page.results;
        sub.innerHTML = "";
        if (!units.length) sub.innerHTML = "<li class='muted'>无下级组织</li>";
        units.forEach(function (u) { sub.appendChild(node(u)); });
      })
      .catch(function () { sub.innerHTML = "<li class='bad'>加载失败，请刷新页面重试</li>"; });
  }

  tree.addEventListener("click", function (e) {
    var button = e.target.closest("button.toggle");
    if (button) expand(button.parentElement, button);
  });
  // Open the root on load so the first level is visible at once.
  var first = tree.querySelector("li > button.toggle");
  if (first) expand(first.parentElement, first);
})();
