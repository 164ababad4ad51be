// Titanium's small enhancements. Everything works without this file; it only makes editing nicer.
// Loaded from our origin (CSP: no inline script), after the DOM is parsed (defer).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // What a swap or a script changed, said politely to screen readers (one live region per page,
  // there before anything is said: a region added with its message is often not read).
  var liveRegion = document.createElement("div");
  liveRegion.className = "visually-hidden";
  liveRegion.id = "announcements";
  liveRegion.setAttribute("role", "status");
  document.body.append(liveRegion);
  function announce(text) {
    // Emptied first, so the same words twice (two pages of one list) are read twice.
    liveRegion.textContent = "";
    window.setTimeout(function () {
      liveRegion.textContent = text;
    }, 100);
  }

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

  // A pill added or removed changes the article like typing does (autosave listens).
  function tagsChanged(list) {
    list.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Focus stays in the tag field, never falls to <body> with the removed pill.
  function removePill(icon) {
    var list = icon.closest("[data-tag-list]");
    var pill = icon.closest(".tag-pill");
    var tag = pill.querySelector("input[name=tagList]").value;
    pill.remove();
    tagsChanged(list);
    list.closest("form").querySelector("input.tag-input").focus();
    announce("Removed tag " + tag);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches) return;
    // Publishing is explicit: the button, or Ctrl/Cmd+Enter anywhere in the editor.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && input.closest("form.editor-form")) {
      event.preventDefault();
      var form = input.closest("form.editor-form");
      form.requestSubmit(form.querySelector("[data-publish]"));
      return;
    }
    // Enter in the tag input adds a pill and never submits the form.
    if (event.key === "Enter" && input.matches("input.tag-input")) {
      event.preventDefault();
      var list = input.form.querySelector("[data-tag-list]");
      input.value.split(",").forEach(function (raw) {
        var tag = raw.trim();
        if (tag && currentTags(list).indexOf(tag) === -1) {
          list.append(pillFor(tag));
          announce("Added tag " + tag);
        }
      });
      input.value = "";
      tagsChanged(list);
      return;
    }
    if ((event.key === "Enter" || event.key === " ") && input.matches("[data-tag-list] .ion-close-round")) {
      event.preventDefault();
      removePill(input);
      return;
    }
    // Enter in the title, the description or on a checkbox saves now (autosave), never submits.
    if (event.key === "Enter" && input.matches("form.editor-form input:not([type=hidden])")) {
      event.preventDefault();
      input.form.dispatchEvent(new Event("autosave-now"));
    }
  });

  // Clicking a pill's icon removes the pill at once (the form then submits the remaining set).
  document.addEventListener("click", function (event) {
    var icon = event.target.closest && event.target.closest("[data-tag-list] .ion-close-round");
    if (icon) {
      event.preventDefault();
      removePill(icon);
    }
  });

  // Times the server wrote in UTC, shown in the reader's own time zone.
  function localTime(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  document.querySelectorAll("time[data-local-time]").forEach(function (node) {
    var moment = new Date(node.getAttribute("datetime"));
    node.textContent = moment.toLocaleDateString([], { month: "long", day: "numeric" }) + ", " + localTime(moment);
  });

  // Autosave (ADR 0017): the editor's work goes to the server a few seconds after the last
  // change, when Enter is pressed in a field, and when the page is hidden or left. A new
  // article becomes a draft on its first save (once: the form's Idempotency-Key), and the page
  // moves to its address. A published article's edits are kept unpublished until Publish.
  var AUTOSAVE_DELAY_MS = 2000;
  var editor = document.querySelector("form.editor-form[data-autosave-url]");
  if (editor) {
    var status = editor.querySelector("[data-autosave-status]");
    var timer = null;
    var inFlight = false;
    var again = false;
    var dirty = false;
    var submitting = false;
    // Where a new article's first save goes (it carries the form's Idempotency-Key).
    var creatingUrl = editor.querySelector("input[name=idempotency_key]") ? editor.dataset.autosaveUrl : null;

    var say = function (text) {
      status.textContent = text;
    };
    var payload = function () {
      return new FormData(editor);
    };
    var titled = function () {
      return editor.elements.title.value.trim() !== "";
    };
    var adopt = function (reply) {
      if (editor.getAttribute("action") !== reply.editUrl) {
        editor.setAttribute("action", reply.editUrl);
        history.replaceState(history.state, "", reply.editUrl);
      }
      editor.dataset.autosaveUrl = reply.autosaveUrl;
    };
    var save = function () {
      clearTimeout(timer);
      if (!dirty || submitting) return;
      if (!titled()) {
        say("Not saved yet: give the article a title");
        return;
      }
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      dirty = false;
      say("Saving…");
      fetch(editor.dataset.autosaveUrl, { method: "POST", body: payload(), credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (reply) {
            if (!response.ok) throw reply;
            return reply;
          });
        })
        .then(function (reply) {
          adopt(reply);
          say("Saved · " + localTime(reply.savedAt));
        })
        .catch(function (problem) {
          dirty = true;
          var why = problem && problem.messages ? ": " + problem.messages.join(", ") : "";
          say("Not saved" + why);
        })
        .finally(function () {
          inFlight = false;
          if (again) {
            again = false;
            save();
          }
        });
    };
    var changed = function () {
      dirty = true;
      say("Unsaved changes");
      clearTimeout(timer);
      timer = setTimeout(save, AUTOSAVE_DELAY_MS);
    };
    // Leaving: what is not saved yet goes in a beacon (it outlives the page). A new article's
    // first save still on its way is left alone: a second create could not share its key.
    var flush = function () {
      if (!dirty || submitting || !titled()) return;
      if (inFlight && editor.dataset.autosaveUrl === creatingUrl) return;
      if (navigator.sendBeacon(editor.dataset.autosaveUrl, payload())) dirty = false;
    };

    editor.addEventListener("input", changed);
    editor.addEventListener("change", changed);
    editor.addEventListener("autosave-now", save);
    editor.addEventListener("submit", function () {
      submitting = true;
      clearTimeout(timer);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") flush();
    });
    window.addEventListener("pagehide", flush);
    // Leaving with changes not yet saved asks first.
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // Delete Article asks first, in a dialog (without JavaScript, the button opens a
  // confirmation page instead).
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-opens-dialog]");
    var dialog = opener && document.getElementById(opener.getAttribute("data-opens-dialog"));
    if (dialog && dialog.showModal) {
      event.preventDefault();
      dialog.showModal();
    }
  });

  // HTMX that respects the reader: after a swap, focus goes where the reader's attention is (the
  // top of a new page of a list, the same button, the new comment), never to <body>.
  var LISTS = "#feed, #profile-articles, #search-results";
  // Buttons whose every copy is swapped out of band (favorite, follow): which copy was pressed.
  var pressed = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    var key = Array.prototype.find.call(form.classList || [], function (name) {
      return /^(favorite|follow)-/.test(name);
    });
    var copies = key ? document.getElementsByClassName(key) : [];
    pressed = key ? { key: key, index: Array.prototype.indexOf.call(copies, form) } : null;
  });

  function focusWithoutScrolling(element) {
    if (!element.hasAttribute("tabindex") && !element.matches("a, button, input, textarea")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var settled = event.target;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (settled.matches(LISTS)) {
      if (trigger && trigger.matches("input")) {
        // Results following the typing: the reader keeps typing; only the count is said.
        var count = settled.querySelector(".result-count");
        if (count) announce(count.textContent);
        return;
      }
      // A new page or tab: its top, not the bottom where the link was.
      if (settled.getBoundingClientRect().top < 0) settled.scrollIntoView({ block: "start" });
      focusWithoutScrolling(settled);
      announce(document.title);
      return;
    }
    if (pressed && settled.classList.contains(pressed.key)) {
      var copy = document.getElementsByClassName(pressed.key)[pressed.index];
      var button = copy && copy.querySelector("button");
      if (button) {
        button.focus({ preventScroll: true });
        announce(button.textContent.replace(/\s+/g, " ").trim());
      }
      return;
    }
    if (settled.id === "comments") {
      var errors = settled.querySelector(".error-messages li");
      var comments = settled.querySelectorAll(".card:not(.comment-form)");
      if (errors) {
        settled.querySelector("textarea").focus();
      } else if (trigger && trigger.matches(".comment-form") && comments.length) {
        focusWithoutScrolling(comments[comments.length - 1]);
        announce("Comment posted");
      } else {
        focusWithoutScrolling(settled.querySelector("textarea") || settled);
        announce("Comment deleted");
      }
    }
  });

  // A copy button on each code block of an article (where the browser lets pages copy).
  if (navigator.clipboard) {
    document.querySelectorAll(".article-content pre > code").forEach(function (code) {
      var block = code.parentElement;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.innerText).then(
          function () {
            button.textContent = "Copied";
            announce("Code copied");
            window.setTimeout(function () {
              button.textContent = "Copy";
            }, 2000);
          },
          function () {
            announce("The browser did not let the code be copied");
          }
        );
      });
      block.prepend(button);
    });
  }
})();
