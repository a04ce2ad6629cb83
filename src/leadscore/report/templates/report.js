/* The lead table and the lead cards, drawn from the JSON data block (#lead-data). Plain
   JavaScript, no libraries. Rows are drawn a page at a time and a card only when its lead is
   opened, so a report of 10,000 leads opens quickly. User data goes in as text, never as HTML.
   The query string sets the initial state: ?q=text&grade=A&sort=pCustomer&order=asc; the hash
   #lead-12 opens the card of the lead ranked 12. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var source = document.getElementById("lead-data");
  var table = document.getElementById("lead-table");
  var counter = document.getElementById("lead-counter");
  var search = document.getElementById("lead-filter");
  var grade = document.getElementById("grade-filter");
  var reset = document.getElementById("lead-reset");
  var empty = document.getElementById("lead-empty");
  var more = document.getElementById("lead-more");
  if (!source || !table || !counter || !search || !grade) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var leads = data.leads;
  var texts = data.texts;
  var columns = data.columns;
  var total = leads.contact.length;
  var PAGE = 100;
  var MISSING = "\u2014";
  var body = table.tBodies[0];
  var buttons = Array.prototype.slice.call(table.querySelectorAll("th button[data-sort]"));
  var criteria = {};
  data.criteria.forEach(function (c) { criteria[c.key] = c; });
  var already = {};
  (leads.alreadyProspect || []).forEach(function (i) { already[i] = true; });

  var order = [];      /* the leads that pass the filter, in table order */
  var sorted = [];     /* every lead, in table order */
  var limit = PAGE;    /* rows drawn */
  var opened = {};     /* leads whose card is open */
  var haystack = null; /* lower-case search text per lead, built on the first search */

  /* -- Formatting (the same rules as leadscore.report._charts) ------------------------- */

  function thousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function percent(p) {
    if (p === null || p === undefined || !isFinite(p)) {
      return MISSING;
    }
    if (p > 0 && p < 0.0005) {
      return "<0.1%";
    }
    if (p > 0.9995 && p < 1) {
      return ">99.9%";
    }
    return (100 * p).toFixed(1) + "%";
  }

  function signed(v) {
    if (v === null || v === undefined || !isFinite(v)) {
      return "n/a";
    }
    var text = Math.abs(v).toFixed(2);
    if (text === "0.00") {
      return text;
    }
    return (v > 0 ? "+" : "\u2212") + text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function badge(letter, size) {
    var node = el("span", "badge " + (size || "") + " grade-" + letter, letter);
    node.title = "Grade " + letter;
    return node;
  }

  function reasonList(refs, compact, limitTo, table) {
    var list = el("ul", compact ? "reasons compact" : "reasons");
    refs.slice(0, limitTo || refs.length).forEach(function (ref) {
      var entry = (table || texts)[ref];
      var sign = entry.charAt(0);
      var kind = sign === "+" ? "helped" : sign === "-" ? "hurt" : "neutral";
      var item = el("li", "reason " + kind);
      item.appendChild(el("span", "sign", kind === "helped" ? "+" : kind === "hurt" ? "\u2212" : "\u2022"))
        .setAttribute("aria-hidden", "true");
      if (kind !== "neutral") {
        item.appendChild(el("span", "visually-hidden", kind === "helped" ? "Helped: " : "Hurt: "));
      }
      item.appendChild(document.createTextNode(entry.slice(1)));
      list.appendChild(item);
    });
    return list;
  }

  /* The trend against the previous run: an arrow and the points gained or lost. */
  var TRENDS = {
    rising: ["\u25b2", "Rising"], falling: ["\u25bc", "Falling"], steady: ["\u2192", "Steady"],
    "new": ["", "New"], "model changed": ["", "Model changed"]
  };

  function points(v) {
    return v === null || v === undefined ? "" : v > 0 ? "+" + v : v < 0 ? "\u2212" + -v : "\u00b10";
  }

  function trendMark(i) {
    var kind = leads.trend[i];
    var known = TRENDS[kind];
    if (!known) {
      return el("span", "muted", MISSING);
    }
    var mark = el("span", "trend trend-" + kind.replace(" ", "-"));
    var change = leads.scoreChange ? leads.scoreChange[i] : null;
    if (known[0]) {
      mark.appendChild(el("span", "arrow", known[0])).setAttribute("aria-hidden", "true");
      mark.appendChild(el("span", "visually-hidden", known[1] + " "));
      mark.appendChild(document.createTextNode(points(change)));
    } else {
      mark.textContent = kind === "new" ? "new" : "model changed";
    }
    var since = leads.previousAsOf && leads.previousAsOf[i] ? " since " + leads.previousAsOf[i] : "";
    mark.title = known[1] + (change === null || change === undefined ? "" : ", " + points(change) +
      " points") + since;
    return mark;
  }

  function changeSection(i) {
    var section = el("section", "changes");
    section.setAttribute("aria-label", "Change since the previous run");
    var kind = leads.trend[i];
    var line = el("p", "change-line");
    line.appendChild(trendMark(i));
    var previous = leads.previousScore ? leads.previousScore[i] : null;
    var since = leads.previousAsOf && leads.previousAsOf[i] ? leads.previousAsOf[i] : null;
    var said;
    if (kind === "new") {
      said = " Not scored in the previous run.";
    } else if (kind === "model changed") {
      said = " Scored by another model version" + (since ? " on " + since : "") +
        (previous === null || previous === undefined ? "" : " (score " + previous + ")") +
        ": the scores are not compared.";
    } else {
      said = " Score " + (previous === null || previous === undefined ? MISSING : previous) +
        " \u2192 " + leads.score[i] + (since ? " since " + since : "") + ".";
    }
    line.appendChild(document.createTextNode(said));
    section.appendChild(line);
    var refs = leads.changes ? leads.changes[i] || [] : [];
    if (refs.length) {
      var list = el("ul", "reasons changes-list");
      list.setAttribute("aria-label", "Why the score changed, in points");
      refs.forEach(function (ref) {
        var entry = texts[ref];
        var sign = entry.charAt(0);
        var kind = sign === "+" ? "helped" : sign === "-" ? "hurt" : "neutral";
        var item = el("li", "reason " + kind);
        var text = entry.slice(1);
        var colon = text.indexOf(": ");
        if (kind !== "neutral" && colon > 0) {
          item.appendChild(el("strong", "change-points",
            (kind === "helped" ? "+" : "\u2212") + text.slice(0, colon) + " pts"));
          text = " " + text.slice(colon + 2);
        }
        item.appendChild(document.createTextNode(text));
        list.appendChild(item);
      });
      section.appendChild(list);
    }
    return section;
  }

  /* The lead's score over the runs of the history: a bar per run (1-99, empty when the lead
     was not scored) and its first and last point in words. */
  function historySection(i) {
    var dates = data.historyDates;
    var scores = leads.history[i];
    var points = [];
    scores.forEach(function (score, k) {
      if (score !== null) {
        points.push([k, score]);
      }
    });
    var section = el("section", "history");
    section.setAttribute("aria-label", "Score history");
    if (!points.length) {
      section.appendChild(el("p", "muted", "Not in the score history."));
      return section;
    }
    var chart = el("div", "history-line");
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", "Score by run: " + points.map(function (p) {
      return dates[p[0]] + " " + p[1];
    }).join("; "));
    scores.forEach(function (score, k) {
      var slot = el("span", "history-slot");
      slot.title = dates[k] + ": " + (score === null ? "not scored" : "score " + score);
      if (score !== null) {
        var bar = el("span", "history-bar");
        bar.style.height = score + "%";
        slot.appendChild(bar);
      }
      chart.appendChild(slot);
    });
    var first = points[0];
    var last = points[points.length - 1];
    var said = "Score history: " + first[1] + " on " + dates[first[0]];
    if (points.length > 1) {
      said += " \u2192 " + last[1] + " on " + dates[last[0]];
    }
    said += " (" + points.length + " of the last " + dates.length + (dates.length === 1 ? " run)" : " runs)");
    section.appendChild(el("p", "history-text", said));
    section.appendChild(chart);
    return section;
  }

  function value(key, i) {
    return key === "rank" ? i + 1 : leads[key] ? leads[key][i] : null;
  }

  /* -- Table cells: one function per column kind (the registry is _cards.COLUMNS) ------- */

  var CELLS = {
    rank: function (td, i) { td.textContent = String(i + 1); },
    contact: function (td, i) {
      var button = el("button", "open-card", leads.contact[i]);
      button.type = "button";
      button.dataset.lead = String(i);
      button.setAttribute("aria-expanded", opened[i] ? "true" : "false");
      button.setAttribute("aria-controls", "lead-" + (i + 1));
      button.title = "Open the card of " + leads.contact[i];
      td.appendChild(button);
    },
    text: function (td, i, column) {
      var text = value(column.key, i);
      if (text === null || text === undefined) {
        td.appendChild(el("span", "muted", MISSING));
      } else {
        td.textContent = text;
      }
    },
    grade: function (td, i) { td.appendChild(badge(leads.grade[i])); },
    score: function (td, i) {
      var cell = el("span", "score-cell");
      var meter = el("span", "meter");
      meter.setAttribute("aria-hidden", "true");
      var fill = el("span", "meter-fill grade-" + leads.grade[i]);
      fill.style.width = leads.score[i] + "%";
      meter.appendChild(fill);
      cell.appendChild(meter);
      cell.appendChild(document.createTextNode(String(leads.score[i])));
      td.appendChild(cell);
    },
    trend: function (td, i) { td.appendChild(trendMark(i)); },
    percent: function (td, i, column) { td.textContent = percent(value(column.key, i)); },
    reasons: function (td, i) {
      var refs = leads.reasons[i];
      if (!refs.length) {
        td.appendChild(el("span", "muted", "No reasons recorded"));
        return;
      }
      td.appendChild(reasonList(refs, true, data.topReasons));
      if (refs.length > data.topReasons) {
        var link = el("button", "more", "+" + (refs.length - data.topReasons) + " more");
        link.type = "button";
        link.dataset.lead = String(i);
        td.appendChild(link);
      }
    }
  };

  function row(i) {
    var tr = el("tr", "lead");
    tr.id = "row-" + (i + 1);
    tr.setAttribute("role", "row");
    tr.dataset.rank = String(i + 1);
    tr.dataset.contact = leads.contact[i];
    columns.forEach(function (column) {
      var td = el("td", "cell-" + column.key + " kind-" + column.kind + (column.numeric ? " num" : ""));
      td.setAttribute("role", "cell");
      td.dataset.label = column.label;
      CELLS[column.kind](td, i, column);
      tr.appendChild(td);
    });
    return tr;
  }

  /* -- A lead's card ------------------------------------------------------------------ */

  function divergingChart(target, i) {
    var chart = el("div", "diverging");
    chart.setAttribute("role", "img");
    var spoken = [];
    target.criteria.forEach(function (key) {
      var v = leads[target.key][key][i];
      var label = criteria[key].label;
      var kind = v === null ? "missing" : v > 0 ? "helped" : v < 0 ? "hurt" : "zero";
      var line = el("div", "div-row " + kind);
      line.title = label + " (" + criteria[key].meaning + "): " + signed(v) + " log-odds";
      line.appendChild(el("span", "div-label", label));
      var track = el("span", "div-track");
      var bar = el("span", "div-bar");
      var width = v === null ? 0 : Math.min(Math.abs(v) / data.scale, 1) * 50;
      bar.style.width = width.toFixed(1) + "%";
      bar.style.left = (v !== null && v > 0 ? 50 : 50 - width).toFixed(1) + "%";
      track.appendChild(bar);
      line.appendChild(track);
      line.appendChild(el("span", "div-value", signed(v)));
      chart.appendChild(line);
      spoken.push(label + " " + signed(v));
    });
    chart.setAttribute("aria-label", "Criteria contributions to the " + target.key +
      " score, in log-odds: " + spoken.join("; "));
    return chart;
  }

  function targetSection(target, i) {
    var section = el("section", "target");
    var contact = leads.contact[i];
    section.setAttribute("aria-label", target.name + " score of " + contact);
    var heading = el("h4");
    var prospect = target.key === "prospect";
    var refs = (prospect ? leads.prospectReasons : leads.reasons) || [];
    refs = refs[i] || [];
    if (prospect && already[i]) {
      heading.textContent = "Prospect: already a prospect";
      section.appendChild(heading);
      var said = refs.map(function (ref) { return texts[ref].slice(1); }).join("; ");
      section.appendChild(el("p", "already",
        (said || "Already a prospect") + ". Nothing left to predict for this target."));
      return section;
    }
    var score = prospect ? (leads.prospectScore || [])[i] : leads.score[i];
    var letter = prospect ? (leads.prospectGrade || [])[i] : leads.grade[i];
    heading.appendChild(document.createTextNode(target.name + " score "));
    heading.appendChild(el("strong", null, score === null || score === undefined ? MISSING : String(score)));
    if (letter) {
      heading.appendChild(badge(letter, "small"));
    }
    section.appendChild(heading);
    var content = el("div", "target-body");
    if (target.criteria.length) {
      content.appendChild(divergingChart(target, i));
    }
    if (refs.length) {
      content.appendChild(reasonList(refs, false)).setAttribute("aria-label", "Reasons");
    } else {
      content.appendChild(el("p", "muted", "No reasons recorded."));
    }
    section.appendChild(content);
    return section;
  }

  function card(i) {
    var article = el("article", "card");
    article.id = "lead-" + (i + 1);
    article.setAttribute("aria-labelledby", article.id + "-heading");
    var head = el("header", "card-head");
    head.appendChild(badge(leads.grade[i], "big"));
    var title = el("div", "card-title");
    var h3 = el("h3", null, leads.contact[i]);
    h3.id = article.id + "-heading";
    title.appendChild(h3);
    var where = "Rank #" + (i + 1);
    if (leads.account) {
      where += " \u00b7 Account " + (leads.account[i] === null ? MISSING : leads.account[i]);
    }
    title.appendChild(el("p", "muted", where));
    head.appendChild(title);
    var stats = el("dl", "card-stats");
    [["Score", String(leads.score[i])], ["P(customer)", percent(leads.pCustomer[i])],
      ["P(prospect)", percent(leads.pProspect[i])]].forEach(function (pair) {
      var item = el("div");
      item.appendChild(el("dt", null, pair[0]));
      item.appendChild(el("dd", null, pair[1]));
      stats.appendChild(item);
    });
    head.appendChild(stats);
    var close = el("button", "close-card", "Close");
    close.type = "button";
    close.dataset.lead = String(i);
    close.setAttribute("aria-label", "Close the card of " + leads.contact[i]);
    head.appendChild(close);
    article.appendChild(head);
    if (leads.trend) {
      article.appendChild(changeSection(i));
    }
    if (leads.history) {
      article.appendChild(historySection(i));
    }
    var targets = el("div", "targets");
    data.targets.forEach(function (target) { targets.appendChild(targetSection(target, i)); });
    article.appendChild(targets);
    return article;
  }

  function cardRow(i) {
    var tr = el("tr", "card-row");
    tr.setAttribute("role", "row");
    var td = el("td");
    td.setAttribute("role", "cell");
    td.colSpan = columns.length;
    td.appendChild(card(i));
    tr.appendChild(td);
    return tr;
  }

  /* -- Drawing, filtering, sorting ------------------------------------------------------- */

  function draw() {
    var fragment = document.createDocumentFragment();
    var count = Math.min(limit, order.length);
    for (var k = 0; k < count; k += 1) {
      var i = order[k];
      fragment.appendChild(row(i));
      if (opened[i]) {
        fragment.appendChild(cardRow(i));
      }
    }
    body.textContent = "";
    body.appendChild(fragment);
    var shown = order.length;
    var text = "Showing " + thousands(shown) + " of " + thousands(total) + (total === 1 ? " lead" : " leads");
    if (count < shown) {
      text += " (the first " + thousands(count) + " listed)";
    }
    counter.textContent = text;
    if (empty) {
      empty.hidden = shown !== 0;
    }
    if (more) {
      more.hidden = count >= shown;
      more.textContent = "Show " + thousands(Math.min(PAGE, shown - count)) + " more of " +
        thousands(shown - count) + " leads";
    }
  }

  function searchText(i) {
    var parts = [leads.contact[i] || "", leads.account ? leads.account[i] || "" : ""];
    [leads.reasons, leads.prospectReasons].forEach(function (lists) {
      if (lists) {
        lists[i].forEach(function (ref) { parts.push(texts[ref].slice(1)); });
      }
    });
    return parts.join(" ").toLowerCase();
  }

  function applyFilter() {
    var query = search.value.trim().toLowerCase();
    var wanted = grade.value;
    if (query && haystack === null) {
      haystack = [];
      for (var i = 0; i < total; i += 1) {
        haystack.push(searchText(i));
      }
    }
    order = sorted.filter(function (i) {
      return (!wanted || leads.grade[i] === wanted) && (!query || haystack[i].indexOf(query) !== -1);
    });
    limit = PAGE;
    draw();
  }

  function sortRows(key, type, direction) {
    var sign = direction === "ascending" ? 1 : -1;
    var ids = [];
    for (var i = 0; i < total; i += 1) {
      ids.push(i);
    }
    sorted = ids.sort(function (a, b) {
      var x = value(key, a);
      var y = value(key, b);
      if (x === null || y === null) {
        return (x === null) - (y === null) || a - b;
      }
      var diff = type === "number" ? x - y : String(x).localeCompare(String(y));
      return sign * diff || a - b;
    });
    buttons.forEach(function (button) {
      var th = button.parentNode;
      if (button.dataset.sort === key) {
        th.setAttribute("aria-sort", direction);
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

  function toggle(i, open) {
    if (open) {
      opened[i] = true;
    } else {
      delete opened[i];
    }
    var position = order.indexOf(i);
    if (position >= limit) {
      limit = position + 1;
    }
    draw();
    var target = document.getElementById(open ? "lead-" + (i + 1) : "row-" + (i + 1));
    if (target && open) {
      target.scrollIntoView({block: "nearest"});
    }
    var button = document.querySelector("#row-" + (i + 1) + " button.open-card");
    if (button) {
      button.focus({preventScroll: true});
    }
  }

  body.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-lead]");
    if (!button) {
      return;
    }
    var i = Number(button.dataset.lead);
    toggle(i, button.classList.contains("close-card") ? false : !opened[i] || button.classList.contains("more"));
  });
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var current = button.parentNode.getAttribute("aria-sort");
      var direction = current === "ascending" ? "descending"
        : current === "descending" ? "ascending" : firstOrder(button);
      sortRows(button.dataset.sort, button.dataset.type, direction);
      applyFilter();
    });
  });
  search.addEventListener("input", applyFilter);
  grade.addEventListener("change", applyFilter);
  if (more) {
    more.addEventListener("click", function () {
      limit += PAGE;
      draw();
    });
  }
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
    var direction = params.get("order");
    sortRows(key, chosen.dataset.type,
      direction === "asc" ? "ascending" : direction === "desc" ? "descending" : firstOrder(chosen));
  } else {
    sortRows("rank", "number", "ascending");
  }
  applyFilter();
  var wanted = /^#lead-(\d+)$/.exec(window.location.hash);
  if (wanted && Number(wanted[1]) >= 1 && Number(wanted[1]) <= total) {
    toggle(Number(wanted[1]) - 1, true);
  }
  /* -- The accounts view (#account-data), when the report has one ----------------------- */

  var accountSource = document.getElementById("account-data");
  var accountTable = document.getElementById("account-table");
  if (accountSource && accountTable) {
    var accountData = JSON.parse(accountSource.textContent);
    var accounts = accountData.accounts;
    var accountBody = accountTable.tBodies[0];
    var accountMore = document.getElementById("account-more");
    var accountLimit = PAGE;
    var coverage = Boolean(accounts.dm || accounts.blocker);
    var leadIndex = null;

    var yesNo = function (flag, yes, no) {
      return flag === true ? yes : flag === false ? no : null;
    };

    var accountRow = function (a) {
      var tr = el("tr", "lead account-row");
      tr.id = "account-" + (a + 1);
      tr.setAttribute("role", "row");
      tr.dataset.account = accounts.account[a];
      var cells = [];
      var add = function (className, label) {
        var td = el("td", className);
        td.setAttribute("role", "cell");
        td.dataset.label = label;
        tr.appendChild(td);
        cells.push(td);
        return td;
      };
      add("cell-rank num", "#").textContent = String(a + 1);
      add("cell-contact cell-account-name", "Account").appendChild(el("strong", null, accounts.account[a]));
      add("cell-grade", "Grade").appendChild(badge(accounts.grade[a]));
      var score = add("cell-score num", "Score");
      score.textContent = String(accounts.score[a]);
      add("cell-pAccount kind-percent num", "P(account)").textContent = percent(accounts.pAccount[a]);
      add("cell-contacts kind-percent num", "Contacts").textContent = thousands(accounts.contacts[a]);
      var top = add("cell-top", "Top contacts");
      accounts.top[a].forEach(function (pair, k) {
        if (k) {
          top.appendChild(document.createTextNode(", "));
        }
        var link = el("button", "open-card top-contact", pair[0]);
        link.type = "button";
        link.dataset.contact = pair[0];
        link.title = "Open the card of " + pair[0] + (pair[1] ? " (score " + pair[1] + ")" : "");
        top.appendChild(link);
        if (pair[1]) {
          top.appendChild(el("span", "muted", " " + pair[1]));
        }
      });
      if (coverage) {
        var group = add("cell-coverage", "Buying group");
        var said = [
          yesNo(accounts.dm ? accounts.dm[a] : null, "decision maker engaged", "no decision maker engaged"),
          yesNo(accounts.blocker ? accounts.blocker[a] : null, "blocker present", "no blocker")
        ].filter(function (text) { return text !== null; });
        if (said.length) {
          group.textContent = said.join("; ");
        } else {
          group.appendChild(el("span", "muted", MISSING));
        }
      }
      var reasons = add("kind-reasons cell-account-reasons", "Reasons");
      if (accounts.reasons[a].length) {
        reasons.appendChild(reasonList(accounts.reasons[a], true, 0, accountData.texts));
      } else {
        reasons.appendChild(el("span", "muted", "No reasons recorded"));
      }
      return tr;
    };

    var drawAccounts = function () {
      var fragment = document.createDocumentFragment();
      var count = Math.min(accountLimit, accounts.account.length);
      for (var a = 0; a < count; a += 1) {
        fragment.appendChild(accountRow(a));
      }
      accountBody.textContent = "";
      accountBody.appendChild(fragment);
      if (accountMore) {
        var left = accounts.account.length - count;
        accountMore.hidden = left <= 0;
        accountMore.textContent = "Show " + thousands(Math.min(PAGE, left)) + " more of " +
          thousands(left) + " accounts";
      }
    };

    accountBody.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-contact]");
      if (!button) {
        return;
      }
      if (leadIndex === null) {
        leadIndex = {};
        leads.contact.forEach(function (contact, i) { leadIndex[contact] = i; });
      }
      var i = leadIndex[button.dataset.contact];
      if (i === undefined) {
        button.title = button.dataset.contact + " is not among the leads listed in this report";
        return;
      }
      if (order.indexOf(i) === -1) {
        search.value = "";
        grade.value = "";
        applyFilter();
      }
      toggle(i, true);
    });
    if (accountMore) {
      accountMore.addEventListener("click", function () {
        accountLimit += PAGE;
        drawAccounts();
      });
    }
    drawAccounts();
  }

  root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
})();
