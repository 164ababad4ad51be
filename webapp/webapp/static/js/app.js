// Titanium's small enhancements. Everything works without this file; it only makes editing nicer.
// Loaded from our origin (CSP: no inline script), after the DOM is parsed (defer).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function pillFor(tag) {
    var pill = document.createElement("span");
    pill.className = "tag-default tag-pill";
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = "tagList";
    box.value = tag;
    box.checked = true;
    box.className = "visually-hidden";
    var remove = document.createElement("i");
    remove.className = "ion-close-round";
    remove.setAttribute("role", "button");
    remove.setAttribute("tabindex", "0");
    remove.setAttribute("aria-label", "Remove tag " + tag);
    label.append(box, remove, " " + tag);
    pill.append(label);
    return pill;
  }

  function currentTags(list) {
    return Array.prototype.map.call(list.querySelectorAll("input[name=tagList]"), function (box) {
      return box.value;
    });
  }

  // Enter in the tag input adds a pill and never submits the form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input.matches && input.matches("input.tag-input")) {
      event.preventDefault();
      var list = input.form.querySelector("[data-tag-list]");
      input.value.split(",").forEach(function (raw) {
        var tag = raw.trim();
        if (tag && currentTags(list).indexOf(tag) === -1) list.append(pillFor(tag));
      });
      input.value = "";
      return;
    }
    if ((event.key === "Enter" || event.key === " ") && input.matches && input.matches("[data-tag-list] .ion-close-round")) {
      event.preventDefault();
      input.closest(".tag-pill").remove();
    }
  });

  // Clicking a pill's icon removes the pill at once (the form then submits the remaining set).
  document.addEventListener("click", function (event) {
    var icon = event.target.closest && event.target.closest("[data-tag-list] .ion-close-round");
    if (icon) {
      event.preventDefault();
      icon.closest(".tag-pill").remove();
    }
  });
})();
