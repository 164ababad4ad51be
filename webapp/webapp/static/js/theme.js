// The reader's theme: light or dark as chosen with the header's toggle (kept in localStorage),
// else the system's. Loaded in <head> before the stylesheet, so a page never flashes the other
// theme. Without JavaScript the stylesheet follows prefers-color-scheme and the toggle is hidden.
(function () {
  "use strict";
  var KEY = "titanium-theme";
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");
  var stored = null;
  try {
    stored = localStorage.getItem(KEY);
  } catch (e) {
    // Storage refused (private mode): the choice lasts for this page only.
  }
  if (stored === "light" || stored === "dark") root.setAttribute("data-theme", stored);
  root.classList.add("js");

  function isDark() {
    var chosen = root.getAttribute("data-theme");
    return chosen ? chosen === "dark" : system.matches;
  }
  function show() {
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(isDark()));
    });
  }
  document.addEventListener("DOMContentLoaded", show);
  system.addEventListener("change", show);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (!button) return;
    var next = isDark() ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try {
      localStorage.setItem(KEY, next);
    } catch (e) {
      // As above: not kept.
    }
    show();
  });
})();
