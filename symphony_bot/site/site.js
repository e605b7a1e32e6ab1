// Projects grid: category filters, search, keyboard navigation. Progressive enhancement only: without this
// script every project is listed and every link works. Values are read from data-* attributes and written
// with textContent; nothing is ever parsed as HTML.
(function () {
  "use strict";
  var grid = document.getElementById("projects");
  if (!grid) {
    return;
  }
  var controls = document.getElementById("controls");
  var search = document.getElementById("search");
  var count = document.getElementById("project-count");
  var empty = document.getElementById("no-results");
  var tiles = Array.prototype.slice.call(grid.querySelectorAll(".tile"));
  var filters = Array.prototype.slice.call(document.querySelectorAll(".filter"));
  var category = "";
  controls.hidden = false;

  function plural(n) {
    return n === 1 ? "project" : "projects";
  }

  function apply() {
    var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    tiles.forEach(function (tile) {
      var haystack = tile.getAttribute("data-search") || "";
      var visible =
        (category === "" || tile.getAttribute("data-category") === category) &&
        words.every(function (word) { return haystack.indexOf(word) !== -1; });
      tile.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    });
    count.textContent = shown === tiles.length
      ? tiles.length + " " + plural(tiles.length)
      : shown + " of " + tiles.length + " " + plural(tiles.length);
    empty.hidden = shown !== 0;
  }

  function choose(value) {
    category = value;
    filters.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-category") === value));
    });
    apply();
  }

  function visibleLinks() {
    return tiles.filter(function (tile) { return !tile.hidden; }).map(function (tile) {
      return tile.querySelector(".tile-link");
    });
  }

  function columns(links) {
    if (links.length === 0) {
      return 1;
    }
    var top = links[0].closest(".tile").offsetTop;
    var n = 0;
    while (n < links.length && links[n].closest(".tile").offsetTop === top) {
      n += 1;
    }
    return Math.max(1, n);
  }

  function reset() {
    search.value = "";
    choose("");
  }

  filters.forEach(function (button) {
    button.addEventListener("click", function () { choose(button.getAttribute("data-category") || ""); });
  });
  search.addEventListener("input", apply);
  search.addEventListener("keydown", function (event) {
    var links = visibleLinks();
    if ((event.key === "ArrowDown" || event.key === "Enter") && links.length > 0) {
      event.preventDefault();
      links[0].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (search.value !== "") {
        search.value = "";
        apply();
      } else {
        search.blur();
      }
    }
  });

  grid.addEventListener("keydown", function (event) {
    var links = visibleLinks();
    var index = links.indexOf(document.activeElement);
    if (index === -1) {
      return;
    }
    var step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(links), ArrowUp: -columns(links) }[event.key];
    var target = null;
    if (step !== undefined) {
      target = links[Math.min(links.length - 1, Math.max(0, index + step))];
    } else if (event.key === "Home") {
      target = links[0];
    } else if (event.key === "End") {
      target = links[links.length - 1];
    }
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    var typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "Escape" && !typing) {
      reset();
    }
  });
  apply();
})();
