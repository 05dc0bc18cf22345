/* headatlas: the all-heads table (table.ha-heads-table). Click a header to sort by that column
   (again to reverse); filter by layer, cluster and label; every cell links to its head's page.
   The table works without this script (reading order, head names linked). Runs on first load
   and after Material's instant navigation (document$). */
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    var text = v !== null ? v : cell.textContent.trim();
    var n = Number(text.replace(/%$/, ""));
    return text !== "" && text !== "n/a" && !isNaN(n) ? n : text;
  }
  function compare(a, b) {
    var an = typeof a === "number", bn = typeof b === "number";
    if (an && bn) return a - b;
    if (an !== bn) return an ? -1 : 1;  // numbers before text ("n/a" last)
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function linkCells(rows) {
    rows.forEach(function (row) {
      var first = row.cells[0].querySelector("a");
      if (!first) return;
      for (var i = 1; i < row.cells.length; i++) {
        var cell = row.cells[i];
        if (cell.querySelector("a")) continue;
        var a = document.createElement("a");
        a.href = first.getAttribute("href");
        a.textContent = cell.textContent;
        cell.textContent = "";
        cell.appendChild(a);
      }
    });
  }
  function select(name, values, onChange) {
    var label = document.createElement("label");
    label.textContent = name + " ";
    var box = document.createElement("select");
    box.name = name;
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "all";
    box.appendChild(all);
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v;
      o.textContent = v;
      box.appendChild(o);
    });
    box.addEventListener("change", onChange);
    label.appendChild(box);
    return label;
  }
  function setup(table) {
    if (table.getAttribute("data-ready") === "1") return;
    table.setAttribute("data-ready", "1");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    linkCells(rows);
    var state = { column: 0, descending: false };
    headers.forEach(function (th, i) {
      th.classList.add("ha-sortable");
      th.setAttribute("tabindex", "0");
      th.setAttribute("aria-sort", i === 0 ? "ascending" : "none");
      function sort() {
        state.descending = state.column === i ? !state.descending : false;
        state.column = i;
        var keyed = rows.map(function (row, k) { return [key(row.cells[i]), k, row]; });
        keyed.sort(function (a, b) {
          var c = compare(a[0], b[0]);
          if (state.descending) c = -c;
          return c !== 0 ? c : a[1] - b[1];
        });
        keyed.forEach(function (item) { body.appendChild(item[2]); });
        headers.forEach(function (h, j) {
          h.setAttribute("aria-sort", j !== i ? "none"
                         : state.descending ? "descending" : "ascending");
        });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
    var filters = {};
    var boxes = [];
    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = boxes.every(function (f) {
          var want = f.box.value;
          if (!want) return true;
          var text = row.cells[f.column].textContent.trim();
          return f.kind === "label" ? text.split(", ").indexOf(want) >= 0 : text === want;
        });
        row.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = shown + " of " + rows.length + " heads shown";
    }
    var place = document.getElementById("ha-heads-filters");
    var count = null;
    headers.forEach(function (th, i) {
      var kind = th.getAttribute("data-filter");
      if (kind !== "layer" && kind !== "cluster" && kind !== "label") return;
      var seen = {};
      rows.forEach(function (row) {
        var text = row.cells[i].textContent.trim();
        (kind === "label" ? text.split(", ") : [text]).forEach(function (v) {
          if (v && v !== "n/a") seen[v] = key(row.cells[i]);
        });
      });
      var values = Object.keys(seen);
      values.sort(function (a, b) {
        return kind === "label" ? compare(a, b) : compare(seen[a], seen[b]);
      });
      var label = select(kind, values, apply);
      filters[kind] = label;
      boxes.push({ box: label.querySelector("select"), column: i, kind: kind });
    });
    if (place) {
      ["layer", "cluster", "label"].forEach(function (kind) {
        if (filters[kind]) place.appendChild(filters[kind]);
      });
      count = document.createElement("span");
      count.className = "ha-count";
      place.appendChild(count);
      apply();
    }
  }
  function render() {
    var tables = document.querySelectorAll("table.ha-heads-table");
    for (var i = 0; i < tables.length; i++) setup(tables[i]);
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { render(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
