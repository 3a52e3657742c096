// The chats page: the queue updates live from the event stream; one conversation at a
// time, read and answered through the chat API (/api/v1/chats/…). No inline scripts: the
// Content-Security-Policy allows only files from this folder.
(function () {
  "use strict";
  var root = document.getElementById("chats");
  if (!root) return;
  var me = Number(root.dataset.me);
  var strings = document.getElementById("chat-strings").dataset;
  var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  var current = null;  // the chat on screen, as the API answers it
  var typingTimer = null, typingSent = 0;

  function $(id) { return document.getElementById(id); }

  function api(method, path, body) {
    var init = { method: method, credentials: "same-origin",
      headers: { "X-CSRF-Token": headers["X-CSRF-Token"] || "", "Accept": "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch("/api/v1" + path, init).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.detail || data.title || String(r.status));
        return data;
      });
    });
  }

  function showError(error) {
    var box = $("chat-error");
    box.textContent = error ? String(error.message || error) : "";
    box.hidden = !error;
  }

  // --- the queue: rendered by the server, reloaded on every chat event
  var queueTimer = null;
  function refreshQueue() {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(function () {
      fetch("/chats/queue", { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html;
          var fresh = box.querySelector("#chat-queue");
          if (fresh) $("chat-queue").replaceWith(fresh);
          markCurrent();
        });
    }, 100);
  }
  function markCurrent() {
    document.querySelectorAll("#chat-queue li[data-chat]").forEach(function (li) {
      li.classList.toggle("current", current !== null && Number(li.dataset.chat) === current.id);
    });
  }

  // --- one conversation
  function open(chatId) {
    showError(null);
    return api("GET", "/chats/" + chatId).then(function (chat) {
      current = chat;
      draw(chat);
      markCurrent();
      var last = 0;
      chat.transcript.forEach(function (m) { if (m.from === "visitor") last = Math.max(last, m.id); });
      if (last && chat.state === "active" && chat.agent_id === me && last !== chat.agent_read_id) {
        api("POST", "/chats/" + chat.id + "/read", { message_id: last });
      }
    }, showError);
  }

  function link(url) {
    if (!url) return document.createTextNode(strings.none);
    var a = document.createElement("a");
    a.href = url; a.textContent = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }

  function draw(chat) {
    $("chat-empty").hidden = true;
    $("chat-open").hidden = false;
    $("chat-title").textContent = chat.visitor.name || chat.visitor.email || strings.visitor;
    $("chat-state").textContent = strings["state" + chat.state.charAt(0).toUpperCase() + chat.state.slice(1)] || chat.state;
    $("chat-ticket").href = "/tickets/" + chat.ticket_id;
    $("chat-page").replaceChildren(link(chat.page_url));
    $("chat-referrer").replaceChildren(link(chat.referrer));
    var log = $("chat-log");
    log.replaceChildren();
    chat.transcript.forEach(function (m) {
      var li = document.createElement("li");
      li.dataset.id = m.id;
      li.className = m.internal ? "note" : "from-" + m.from;
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = m.internal ? strings.note + " · " + m.author
        : m.from === "visitor" ? (chat.visitor.name || strings.visitor)
        : m.from === "bot" ? strings.bot : m.author;
      li.appendChild(who);
      li.appendChild(document.createTextNode(m.text));
      log.appendChild(li);
    });
    log.scrollTop = log.scrollHeight;
    var live = chat.state === "active" || chat.state === "waiting" || chat.state === "bot";
    $("chat-reply").hidden = chat.state !== "active";
    $("chat-transfer").hidden = !(chat.state === "active" || chat.state === "waiting");
    $("chat-end").hidden = !live;
  }

  // --- what the agent does
  document.addEventListener("click", function (event) {
    var accept = event.target.closest && event.target.closest("[data-accept]");
    if (accept) {
      var id = Number(accept.dataset.accept);
      accept.disabled = true;
      showError(null);
      api("POST", "/chats/" + id + "/accept").then(function () {
        refreshQueue();
        return open(id);
      }, function (error) { accept.disabled = false; showError(error); refreshQueue(); });
      return;
    }
    var opener = event.target.closest && event.target.closest("[data-open-chat]");
    if (opener) open(Number(opener.dataset.openChat));
  });

  $("chat-reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("chat-text");
    var text = box.value;
    if (!current || !text.trim()) return;
    var chatId = current.id;
    api("POST", "/chats/" + chatId + "/reply", { text: text }).then(function () {
      box.value = "";
      typingSent = 0;
      return open(chatId);
    }, showError);
  });

  $("chat-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("chat-reply").requestSubmit();
    }
  });

  // The visitor sees the agent typing: told at most every 2 s, and when they stop.
  $("chat-text").addEventListener("input", function () {
    if (!current || current.state !== "active") return;
    var chatId = current.id, now = Date.now();
    if (now - typingSent > 2000) {
      typingSent = now;
      api("POST", "/chats/" + chatId + "/typing", { active: true }).catch(function () {});
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      typingSent = 0;
      api("POST", "/chats/" + chatId + "/typing", { active: false }).catch(function () {});
    }, 3000);
  });

  var canned = $("chat-canned");
  if (canned) canned.addEventListener("change", function () {
    var option = canned.options[canned.selectedIndex];
    var box = $("chat-text");
    if (option && option.dataset.text) {
      box.value = box.value ? box.value.replace(/\s*$/, "\n\n") + option.dataset.text : option.dataset.text;
      box.focus();
    }
    canned.selectedIndex = 0;
  });

  $("chat-transfer").addEventListener("submit", function (event) {
    event.preventDefault();
    var target = $("chat-transfer-to").value.split(":");
    if (!current || target.length !== 2) return;
    var body = { note: $("chat-transfer-note").value };
    body[target[0] === "team" ? "team_id" : "agent_id"] = Number(target[1]);
    var chatId = current.id;
    api("POST", "/chats/" + chatId + "/transfer", body).then(function () {
      $("chat-transfer-note").value = "";
      refreshQueue();
      return open(chatId);
    }, showError);
  });

  $("chat-end").addEventListener("click", function () {
    if (!current) return;
    var chatId = current.id;
    api("POST", "/chats/" + chatId + "/end").then(function () {
      refreshQueue();
      return open(chatId);
    }, showError);
  });

  $("chat-availability").addEventListener("change", function (event) {
    api("PATCH", "/agents/" + me, { availability: event.target.value }).then(refreshQueue, showError);
  });

  // --- live: the same event stream as the rest of the workspace
  var visitorTyping = null;
  function onEvent(event) {
    var type = event.type || "";
    if (type.indexOf("chat.") === 0 && type !== "chat.typing" && type !== "chat.read") {
      refreshQueue();
      if (current && event.chat_id === current.id) open(current.id);
      return;
    }
    if (!current) return;
    if (type === "chat.typing" && event.chat_id === current.id && event.by === "visitor") {
      $("chat-typing").hidden = !event.active;
      clearTimeout(visitorTyping);
      visitorTyping = setTimeout(function () { $("chat-typing").hidden = true; }, 6000);
      return;
    }
    if ((type === "message.received" || type === "message.created") && event.ticket_id === current.ticket_id) {
      if (type === "message.received") $("chat-typing").hidden = true;
      open(current.id);
    }
  }

  var retry = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/api/v1/events");
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "ready") {
        retry = 1000;
        root.dataset.live = "true";
        refreshQueue();  // whatever happened while we were away
        return;
      }
      onEvent(event);
    };
    socket.onclose = function () {
      root.dataset.live = "false";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
