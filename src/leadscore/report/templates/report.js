/* Sorting and filtering of the lead table. Plain JavaScript, no libraries.
   The query string sets the initial state: ?q=text&grade=A&sort=pCustomer&order=asc */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var table = document.getElementById("lead-table");
  var counter = document.getElementById("lead-counter");
  var search = document.getElementById("lead-filter");
  var grade = document.getElementById("grade-filter");
  var reset = document.getElementById("lead-reset");
  var empty = document.getElementById("lead-empty");
  if (!table || !counter || !search || !grade) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-rank]"));
  var cards = rows.map(function (row) { return document.getElementById(row.dataset.card); });
  var buttons = Array.prototype.slice.call(table.querySelectorAll("th button[data-sort]"));
  var total = rows.length;

  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function applyFilter() {
    var query = search.value.trim().toLowerCase();
    var wanted = grade.value;
    var shown = 0;
    rows.forEach(function (row, i) {
      var match = (!wanted || row.dataset.grade === wanted) &&
        (!query || row.dataset.search.indexOf(query) !== -1);
      row.hidden = !match;
      if (cards[i]) {
        cards[i].hidden = !match;
      }
      if (match) {
        shown += 1;
      }
    });
    counter.textContent = "Showing " + thousands(shown) + " of " + thousands(total) +
      (total === 1 ? " lead" : " leads");
    if (empty) {
      empty.hidden = shown !== 0;
    }
  }

  function sortRows(key, type, order) {
    var sign = order === "ascending" ? 1 : -1;
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.dataset[key] || "";
      var y = b.dataset[key] || "";
      var diff = type === "number" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return sign * diff || parseFloat(a.dataset.rank) - parseFloat(b.dataset.rank);
    });
    sorted.forEach(function (row) { body.appendChild(row); });
    buttons.forEach(function (button) {
      var th = button.parentNode;
      if (button.dataset.sort === key) {
        th.setAttribute("aria-sort", order);
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }

  function firstOrder(button) {
    /* Numbers start with the biggest (best) first, except the rank; text starts at A. */
    if (button.dataset.type === "number" && button.dataset.sort !== "rank") {
      return "descending";
    }
    return "ascending";
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var current = button.parentNode.getAttribute("aria-sort");
      var order = current === "ascending" ? "descending"
        : current === "descending" ? "ascending" : firstOrder(button);
      sortRows(button.dataset.sort, button.dataset.type, order);
    });
  });
  search.addEventListener("input", applyFilter);
  grade.addEventListener("change", applyFilter);
  if (reset) {
    reset.addEventListener("click", function () {
      search.value = "";
      grade.value = "";
      sortRows("rank", "number", "ascending");
      applyFilter();
    });
  }

  var params = new URLSearchParams(window.location.search);
  if (params.has("q")) {
    search.value = params.get("q");
  }
  if (params.has("grade")) {
    grade.value = params.get("grade");
  }
  var key = params.get("sort");
  var chosen = buttons.filter(function (button) { return button.dataset.sort === key; })[0];
  if (chosen) {
    var order = params.get("order");
    sortRows(key, chosen.dataset.type,
      order === "asc" ? "ascending" : order === "desc" ? "descending" : firstOrder(chosen));
  }
  applyFilter();
})();
