// The tree navigator (issue 14). Children are fetched from the API when a node is first expanded.
// On every page the path from the account's unit down to the page's unit is opened and that unit is
// highlighted, so the tree keeps its place. Below 1,100 px the navigator is a drawer behind the
// "组织树" button of the top bar.
(function () {
  "use strict";
  var tree = document.querySelector(".tree");
  if (!tree) return;
  var api = tree.dataset.api; // "/api/v1/units/0/children/"; units are addressed by their code
  var current = tree.dataset.current || "";

  function unitUrl(code, what) { return api.replace("/0/children/", "/" + encodeURIComponent(code) + "/" + what + "/"); }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  function node(unit) {
    var li = document.createElement("li");
    li.dataset.id = unit.code;
    if (unit.archived_at) li.className = "archived";
    if (unit.has_children) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "toggle"; b.textContent = "▸";
      b.setAttribute("aria-expanded", "false"); b.setAttribute("aria-label", "展开 " + unit.name);
      li.appendChild(b);
    } else {
      var s = document.createElement("span"); s.className = "leaf"; s.textContent = "·"; li.appendChild(s);
    }
    var a = document.createElement("a");
    a.href = unit.url; a.textContent = unit.name; a.title = unit.kind_label + " " + unit.code;
    li.appendChild(a);
    mark(li);
    return li;
  }

  function mark(li) {
    if (li.dataset.id !== current) return;
    li.classList.add("current");
    var a = li.querySelector(":scope > a");
    if (a) a.setAttribute("aria-current", "page");
  }

  // Opens a node; resolves once its children are in the page.
  function open(li) {
    var button = li.querySelector(":scope > button.toggle");
    if (!button) return Promise.resolve();
    button.setAttribute("aria-expanded", "true"); button.textContent = "▾";
    var sub = li.querySelector(":scope > ul");
    if (sub) { sub.hidden = false; return Promise.resolve(); }
    sub = document.createElement("ul");
    sub.innerHTML = "<li class='muted'>加载中…</li>";
    li.appendChild(sub);
    return getJSON(unitUrl(li.dataset.id, "children") + "?limit=500")
      .then(function (page) {
        sub.innerHTML = "";
        if (!page.results.length) sub.innerHTML = "<li class='muted'>无下级组织</li>";
        page.results.forEach(function (u) { sub.appendChild(node(u)); });
      })
      .catch(function () { sub.innerHTML = "<li class='bad'>加载失败，请刷新页面重试</li>"; });
  }

  function close(li) {
    var button = li.querySelector(":scope > button.toggle");
    var sub = li.querySelector(":scope > ul");
    if (sub) sub.hidden = true;
    button.setAttribute("aria-expanded", "false"); button.textContent = "▸";
  }

  tree.addEventListener("click", function (e) {
    var button = e.target.closest("button.toggle");
    if (!button) return;
    var li = button.parentElement;
    if (button.getAttribute("aria-expanded") === "true") close(li); else open(li);
  });

  function child(li, code) {
    var sub = li.querySelector(":scope > ul");
    return sub && Array.prototype.find.call(sub.children, function (c) { return c.dataset.id === code; });
  }

  // Open the path to the page's unit, one level at a time, then bring it into view.
  var root = tree.querySelector(":scope > li");
  mark(root);
  var path = current && current !== root.dataset.id
    ? getJSON(unitUrl(current, "ancestors")).then(function (page) { return page.results.map(function (u) { return u.code; }); })
    : Promise.resolve([root.dataset.id]);
  path.catch(function () { return [root.dataset.id]; }).then(function (codes) {
    var start = codes.indexOf(root.dataset.id);
    codes = codes.slice(start < 0 ? 0 : start + 1);
    var li = root;
    var step = open(root);
    codes.forEach(function (code) {
      step = step.then(function () {
        var next = li && child(li, code);
        if (!next) { li = null; return; }
        li = next;
        if (code !== current) return open(next);
      });
    });
    return step.then(function () {
      var here = tree.querySelector("li.current");
      if (here && here.scrollIntoView) here.scrollIntoView({ block: "nearest" });
    });
  });

  // The drawer on narrow screens.
  var toggle = document.querySelector(".nav-toggle");
  var drawer = document.getElementById("navigator");
  if (!toggle || !drawer) return;
  var closeButton = drawer.querySelector(".nav-close");
  var backdrop = document.querySelector(".nav-backdrop");
  function setOpen(isOpen) {
    document.body.classList.toggle("nav-open", isOpen);
    toggle.setAttribute("aria-expanded", String(isOpen));
    if (backdrop) backdrop.hidden = !isOpen;
    if (isOpen) {
      var target = drawer.querySelector("li.current > a") || drawer.querySelector("a");
      if (target) target.focus();
    } else {
      toggle.focus();
    }
  }
  toggle.addEventListener("click", function () { setOpen(!document.body.classList.contains("nav-open")); });
  if (closeButton) closeButton.addEventListener("click", function () { setOpen(false); });
  if (backdrop) backdrop.addEventListener("click", function () { setOpen(false); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.body.classList.contains("nav-open")) setOpen(false);
  });
})();
