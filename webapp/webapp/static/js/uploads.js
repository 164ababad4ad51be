// Images in the editor (templates/editor/_uploads.html): a chosen file, or one dropped onto the
// body, is uploaded to /media and its Markdown inserted at the body's cursor. Without this file
// the upload box is a plain form that reloads the editor showing the Markdown to copy.
(function () {
  "use strict";
  var box = document.querySelector("[data-image-uploads]");
  var body = document.getElementById("body");
  if (!box || !body || !window.fetch || !window.FormData) return;
  var form = box.querySelector("form");
  var input = box.querySelector("[data-image-input]");
  var status = box.querySelector("[data-upload-status]");
  var errors = box.querySelector("[data-upload-error]");
  var maxBytes = Number(box.dataset.maxBytes);

  function showError(message) {
    errors.replaceChildren();
    if (message) {
      var item = document.createElement("li");
      item.textContent = message;
      errors.append(item);
    }
  }

  function insertAtCursor(text) {
    var start = body.selectionStart, end = body.selectionEnd;
    var before = body.value.slice(0, start), after = body.value.slice(end);
    // An image on a line of its own reads best in Markdown.
    var lead = before && !/\n$/.test(before) ? "\n" : "";
    var tail = after && !/^\n/.test(after) ? "\n" : "";
    body.value = before + lead + text + tail + after;
    var cursor = (before + lead + text).length;
    body.setSelectionRange(cursor, cursor);
    body.focus();
    // The preview (htmx) and anything else listening see the change as typing.
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(file) {
    showError("");
    if (maxBytes && file.size > maxBytes) {
      showError(box.dataset.tooLarge);
      return;
    }
    var data = new FormData();
    data.append("image", file, file.name);
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    status.textContent = "Uploading " + file.name + "…";
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (reply) {
          return { ok: response.ok, reply: reply };
        });
      })
      .then(function (result) {
        status.textContent = "";
        if (result.ok && result.reply.image) {
          insertAtCursor(result.reply.image.markdown);
          status.textContent = "Image inserted.";
          return;
        }
        var messages = (result.reply.errors && result.reply.errors.image) || ["could not be uploaded; try again"];
        showError("Image " + messages[0]);
      })
      .catch(function () {
        status.textContent = "";
        showError("Image could not be uploaded; check your connection and try again");
      })
      .finally(function () {
        input.value = "";
      });
  }

  input.addEventListener("change", function () {
    if (input.files.length) upload(input.files[0]);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files.length) upload(input.files[0]);
  });

  body.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
      event.preventDefault();
      body.classList.add("drop-target");
    }
  });
  body.addEventListener("dragleave", function () {
    body.classList.remove("drop-target");
  });
  body.addEventListener("drop", function (event) {
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    event.preventDefault();
    body.classList.remove("drop-target");
    // Where the text would have gone is where the image goes.
    Array.prototype.forEach.call(files, upload);
  });
})();
