// Search-as-you-type pickers (issue 14). An <input data-picker="URL"> gets a list of matches as the
// user types a name, a 组织代码 or pinyin initials (兆麟街道: zljd); the URL answers
// {"results": [{code?, label, detail, url, group?}]} from inside the user's subtree.
//   data-pick="code": choosing puts the unit's code in the input (the form still posts a code; the
//                     server also accepts a unique name, so the page works without this script).
//   data-pick="go":   choosing opens the chosen page (the header search).
(function () {
  "use strict";
  var counter = 0;

  function setup(input) {
    var url = input.dataset.picker;
    var mode = input.dataset.pick || "code";
    var id = "picker-" + (++counter);
    var list = document.createElement("ul");
    list.id = id; list.className = "picker-list"; list.setAttribute("role", "listbox"); list.hidden = true;
    list.setAttribute("aria-label", "候选");
    var wrap = document.createElement("div");
    wrap.className = "picker";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(list);
    var chosen = null;
    if (mode === "code") {
      chosen = document.createElement("small");
      chosen.className = "picked"; chosen.setAttribute("aria-live", "polite");
      wrap.appendChild(chosen);
    }
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");

    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function highlight(i) {
      var options = list.querySelectorAll("[role=option]:not([aria-disabled])");
      if (!options.length) return;
      active = (i + options.length) % options.length;
      options.forEach(function (o, j) { o.setAttribute("aria-selected", String(j === active)); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }
    function choose(i) {
      var item = items[i];
      if (!item) return;
      if (mode === "go") { window.location.href = item.url; return; }
      input.value = item.code;
      if (chosen) chosen.textContent = "已选：" + item.label + "（" + item.code + "）";
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(results) {
      items = results; list.textContent = ""; active = -1;
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "picker-none"; none.textContent = "在您的管辖范围内没有找到";
        none.setAttribute("role", "option"); none.setAttribute("aria-disabled", "true");
        list.appendChild(none);
      }
      var group = null;
      results.forEach(function (item, i) {
        if (item.group && item.group !== group) {
          group = item.group;
          var head = document.createElement("li");
          head.className = "picker-group"; head.setAttribute("role", "presentation"); head.textContent = group;
          list.appendChild(head);
        }
        var li = document.createElement("li");
        li.id = id + "-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        var label = document.createElement("span"); label.textContent = item.label;
        li.appendChild(label);
        var extra = [item.detail, item.code].filter(Boolean).join(" · ");
        if (extra) { var d = document.createElement("small"); d.textContent = extra; li.appendChild(d); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false; input.setAttribute("aria-expanded", "true");
    }
    function lookup() {
      var q = input.value.trim();
      if (chosen) chosen.textContent = "";
      if (!q) { close(); return; }
      var mine = ++seq;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q),
            { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { if (mine === seq && document.activeElement === input) show(data.results); })
        .catch(function () { /* the form still works by typing */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 150); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { if (e.key === "ArrowDown" && input.value.trim()) lookup(); return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-picker]").forEach(setup);
})();
