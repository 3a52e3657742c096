// The knowledge base editor: an uploaded file is inserted into the Markdown at the cursor.
// Without this script the upload form still works: the page lists the file and its Markdown.
(function () {
  "use strict";
  function insertAtCursor(area, text) {
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || start;
    var before = area.value.slice(0, start);
    var spacer = before && !/\n$/.test(before) ? "\n" : "";
    area.value = before + spacer + text + "\n" + area.value.slice(end);
    var caret = (before + spacer + text + "\n").length;
    area.setSelectionRange(caret, caret);
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-kb-upload]") || !window.fetch) return;
    event.preventDefault();
    var status = form.querySelector("[data-kb-upload-status]");
    var area = document.getElementById(form.getAttribute("data-target"));
    var csrf = form.querySelector("input[name=csrf_token]").value;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          status.textContent = result.body.detail || result.body.title || String(result.body);
          return;
        }
        insertAtCursor(area, result.body.markdown);
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = result.body.url;
        link.textContent = result.body.filename;
        item.appendChild(link);
        document.getElementById("kb-files").appendChild(item);
        status.textContent = "";
        form.reset();
      })
      .catch(function () {
        status.textContent = form.getAttribute("data-error") || "Upload failed";
      });
  });
})();
