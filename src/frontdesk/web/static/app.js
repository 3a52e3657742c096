// Frontdesk's pages: keyboard shortcuts, live updates and presence. No inline scripts:
// the Content-Security-Policy allows only files from this folder.
(function () {
  "use strict";
  var body = document.body;

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]")) el.form.submit();
  });

  // Bulk changes: show the one value picker that fits the chosen change.
  function bulkPicker() {
    var action = document.getElementById("bulk-action");
    if (!action) return;
    document.querySelectorAll("[data-bulk]").forEach(function (el) {
      var on = el.dataset.bulk === action.value;
      el.hidden = !on;
      el.disabled = !on;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "bulk-action") bulkPicker();
  });
  document.addEventListener("htmx:afterSwap", bulkPicker);
  bulkPicker();

  // Canned replies: the chosen text goes into the composer, where the agent adapts it.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-canned]")) return;
    var option = el.options[el.selectedIndex];
    var text = document.getElementById("composer-text");
    if (option && option.dataset.text && text) {
      text.value = text.value ? text.value.replace(/\s*$/, "\n\n") + option.dataset.text : option.dataset.text;
      text.focus();
    }
    el.selectedIndex = 0;
  });

  var help = document.getElementById("help");
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-show-help]") && help) help.showModal();
  });

  // --- keyboard -----------------------------------------------------------------------
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.ticket-row")); }
  function current() { return document.querySelector("tr.ticket-row.focused"); }
  function focusRow(row) {
    rows().forEach(function (r) { r.classList.remove("focused"); r.removeAttribute("aria-current"); });
    if (!row) return;
    row.classList.add("focused");
    row.setAttribute("aria-current", "true");
    var link = row.querySelector("td.subject a");
    if (link) link.focus({ preventScroll: false });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(current());
    focusRow(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))]);
  }
  function composer(mode) {
    var radio = document.querySelector('#composer input[name=mode][value=' + mode + ']');
    if (radio && !radio.disabled) radio.checked = true;
    var text = document.getElementById("composer-text");
    if (text) text.focus();
  }
  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable], dialog")) {
      if (event.key === "Escape" && t.blur) t.blur();
      return;
    }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { location.href = "/inbox"; event.preventDefault(); }
      return;
    }
    var handled = true;
    if (key === "?") { if (help) help.showModal(); }
    else if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "o" || (key === "Enter" && current())) {
      var row = current();
      if (row) location.href = row.dataset.href; else handled = false;
    }
    else if (key === "x") {
      var box = current() && current().querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked; else handled = false;
    }
    else if (key === "r") composer("reply");
    else if (key === "n") composer("note");
    else if (key === "a") { var who = document.getElementById("p-assignee"); if (who) who.focus(); else handled = false; }
    else if (key === "g") pendingG = true;
    else handled = false;
    if (handled) event.preventDefault();
  });

  // --- live updates and presence ---------------------------------------------------------
  if (!body.dataset.agent) return;
  var me = Number(body.dataset.agent);
  var ticketId = body.dataset.ticket ? Number(body.dataset.ticket) : null;
  var socket = null;
  var others = {};  // agent id → {name, state, until}

  function say(state) {
    if (ticketId && socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: "presence", ticket_id: ticketId, state: state }));
    }
  }

  function showPresence() {
    var box = document.getElementById("presence");
    if (!box) return;
    var now = Date.now(), parts = [];
    Object.keys(others).forEach(function (id) {
      var o = others[id];
      if (o.until < now) { delete others[id]; return; }
      var template = o.state === "typing" ? box.dataset.typing : box.dataset.viewing;
      parts.push((template || "%s").replace("%s", o.name));
    });
    box.textContent = parts.join(" · ");
    box.hidden = parts.length === 0;
  }

  var refreshTimer = null;
  function refreshInbox() {
    var button = document.getElementById("refresh");
    if (!button) return;
    var selected = document.querySelector("#ticket-form input[name=ticket_ids]:checked");
    if (selected || /[?&]cursor=/.test(location.search)) { button.hidden = false; return; }
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { if (window.htmx) htmx.trigger(button, "click"); }, 250);
  }

  // While our own reply or note is on its way, its event is no news to us.
  var sending = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id === "composer") sending = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.target.id === "composer") setTimeout(function () { sending = false; }, 500);
  });
  var toastTimer = null;
  function toast(text) {
    var live = document.getElementById("live");
    if (!live) return;
    live.textContent = text;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { live.textContent = ""; }, 8000);
  }

  function refreshConversation() {
    if (sending) return;
    var text = document.getElementById("composer-text");
    var live = document.getElementById("live");
    if (text && text.value.trim()) {
      toast(live ? live.dataset.newMessage || "" : "");
      return;
    }
    if (window.htmx) {
      htmx.ajax("GET", "/tickets/" + ticketId + "/conversation", { target: "#conversation", swap: "outerHTML" });
    }
  }

  function onEvent(event) {
    if (event.type === "agent.presence") {
      if (event.agent_id === me || event.ticket_id !== ticketId) return;
      if (event.state === "left") delete others[event.agent_id];
      else others[event.agent_id] = {
        name: event.agent_name, state: event.state,
        until: Date.now() + (event.state === "typing" ? 6000 : 40000)
      };
      showPresence();
      return;
    }
    if (event.type === "agent.mentioned") {
      if ((event.agent_ids || []).indexOf(me) >= 0) {
        toast((body.dataset.mentioned || "%s").replace("%s", String(event.ticket_id)));
      }
      return;
    }
    if (!event.ticket_id) return;
    if (body.dataset.page === "inbox") refreshInbox();
    if (ticketId && event.ticket_id === ticketId && event.type === "message.created") refreshConversation();
  }

  var retry = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/api/v1/events");
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "ready") { retry = 1000; say("viewing"); return; }
      onEvent(event);
    };
    socket.onclose = function () { setTimeout(connect, retry); retry = Math.min(retry * 2, 30000); };
  }
  connect();
  if (ticketId) {
    setInterval(function () { say("viewing"); showPresence(); }, 15000);
    setInterval(showPresence, 2000);
    var lastTyping = 0;
    document.addEventListener("input", function (event) {
      if (event.target.id !== "composer-text") return;
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; say("typing"); }
    });
    window.addEventListener("pagehide", function () { say("left"); });
  }
})();
