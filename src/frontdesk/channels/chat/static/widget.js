/* Frontdesk chat widget: one file, no dependencies.
 * Embed with: <script src="https://desk.example.com/chat/widget.js" data-inbox="7" async></script>
 * Optional: data-locale="hy" (else the browser's language), data-open="true".
 * The protocol is described in docs/chat-protocol.md. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.FrontdeskChat) return;
  var inbox = script.getAttribute("data-inbox");
  var base = new URL(script.src).origin;
  var wsBase = base.replace(/^http/, "ws");
  var storeKey = "frontdesk-chat-" + base + "-" + inbox;

  var STRINGS = {
    en: {title: "Chat with us", online: "We're online", offline: "Nobody is online right now",
      placeholder: "Write your message…", send: "Send", attach: "Attach a file",
      waiting: "Waiting for a colleague to join…", joined: "{name} is answering you",
      ended: "The chat has ended", typing: "{name} is typing…", seen: "Seen",
      offlineIntro: "Nobody is online right now. Leave a message and we will answer by email.",
      name: "Name", email: "Email", leave: "Leave a message",
      offlineThanks: "Thank you. We will answer by email.",
      prechatIntro: "Before we start, please tell us who you are.", start: "Start the chat",
      transcript: "Email me the transcript", transcriptSent: "The transcript will be sent to {email}",
      end: "End the chat", reconnecting: "Reconnecting…", close: "Close", you: "You",
      error: "The message was not sent. Please try again.", slow: "A little slower, please.",
      bot: "Assistant", person: "Talk to a person", helpful: "Helpful", notHelpful: "Not helpful",
      botStatus: "Our assistant answers first; a person is one click away"},
    hy: {title: "Զրուցեք մեզ հետ", online: "Մենք առցանց ենք", offline: "Այժմ առցանց ոչ ոք չկա",
      placeholder: "Գրեք ձեր հաղորդագրությունը…", send: "Ուղարկել", attach: "Կցել ֆայլ",
      waiting: "Սպասում ենք, որ աշխատակիցը միանա…", joined: "Ձեզ պատասխանում է {name}",
      ended: "Զրույցն ավարտված է", typing: "{name} գրում է…", seen: "Դիտված է",
      offlineIntro: "Այժմ առցանց ոչ ոք չկա։ Թողեք հաղորդագրություն, և մենք կպատասխանենք էլ. փոստով։",
      name: "Անուն", email: "Էլ. փոստ", leave: "Թողնել հաղորդագրություն",
      offlineThanks: "Շնորհակալություն։ Կպատասխանենք էլ. փոստով։",
      prechatIntro: "Նախքան սկսելը՝ խնդրում ենք ներկայանալ։", start: "Սկսել զրույցը",
      transcript: "Ուղարկել զրույցի պատճենը էլ. փոստով", transcriptSent: "Պատճենը կուղարկվի {email} հասցեին",
      end: "Ավարտել զրույցը", reconnecting: "Կապը վերականգնվում է…", close: "Փակել", you: "Դուք",
      error: "Հաղորդագրությունը չուղարկվեց։ Փորձեք կրկին։", slow: "Խնդրում ենք՝ մի փոքր դանդաղ։",
      bot: "Օգնական", person: "Խոսել մարդու հետ", helpful: "Օգտակար է", notHelpful: "Օգտակար չէ",
      botStatus: "Նախ պատասխանում է մեր օգնականը, մարդը մեկ սեղմում հեռու է"},
    ta: {title: "எங்களுடன் அரட்டையடிக்கவும்", online: "நாங்கள் இணையத்தில் உள்ளோம்",
      offline: "இப்போது யாரும் இணையத்தில் இல்லை", placeholder: "உங்கள் செய்தியை எழுதுங்கள்…",
      send: "அனுப்பு", attach: "கோப்பை இணை", waiting: "ஒரு பணியாளர் இணைவதற்காகக் காத்திருக்கிறோம்…",
      joined: "{name} உங்களுக்குப் பதிலளிக்கிறார்", ended: "அரட்டை முடிந்தது",
      typing: "{name} தட்டச்சு செய்கிறார்…", seen: "பார்க்கப்பட்டது",
      offlineIntro: "இப்போது யாரும் இணையத்தில் இல்லை. ஒரு செய்தியை விட்டுச் செல்லுங்கள்; மின்னஞ்சல் மூலம் பதிலளிப்போம்.",
      name: "பெயர்", email: "மின்னஞ்சல்", leave: "செய்தியை விட்டுச் செல்",
      offlineThanks: "நன்றி. மின்னஞ்சல் மூலம் பதிலளிப்போம்.",
      prechatIntro: "தொடங்கும் முன், உங்களைப் பற்றிச் சொல்லுங்கள்.", start: "அரட்டையைத் தொடங்கு",
      transcript: "உரையாடலின் நகலை மின்னஞ்சலில் அனுப்பு", transcriptSent: "நகல் {email} முகவரிக்கு அனுப்பப்படும்",
      end: "அரட்டையை முடி", reconnecting: "மீண்டும் இணைக்கிறது…", close: "மூடு", you: "நீங்கள்",
      error: "செய்தி அனுப்பப்படவில்லை. மீண்டும் முயலவும்.", slow: "சற்று மெதுவாக, தயவுசெய்து.",
      bot: "உதவியாளர்", person: "ஒரு நபருடன் பேசு", helpful: "பயனுள்ளது", notHelpful: "பயனில்லை",
      botStatus: "முதலில் எங்கள் உதவியாளர் பதிலளிக்கிறார்; ஒரு நபர் ஒரே சொடுக்கில்"},
    lv: {title: "Tērzējiet ar mums", online: "Esam tiešsaistē", offline: "Pašlaik neviens nav tiešsaistē",
      placeholder: "Rakstiet savu ziņu…", send: "Sūtīt", attach: "Pievienot failu",
      waiting: "Gaidām, kad pievienosies darbinieks…", joined: "Jums atbild {name}",
      ended: "Tērzēšana ir beigusies", typing: "{name} raksta…", seen: "Redzēts",
      offlineIntro: "Pašlaik neviens nav tiešsaistē. Atstājiet ziņu, un mēs atbildēsim pa e-pastu.",
      name: "Vārds", email: "E-pasts", leave: "Atstāt ziņu",
      offlineThanks: "Paldies! Atbildēsim pa e-pastu.",
      prechatIntro: "Pirms sākam, lūdzu, pastāstiet, kas jūs esat.", start: "Sākt tērzēšanu",
      transcript: "Nosūtīt sarunas kopiju uz e-pastu", transcriptSent: "Kopija tiks nosūtīta uz {email}",
      end: "Beigt tērzēšanu", reconnecting: "Atjauno savienojumu…", close: "Aizvērt", you: "Jūs",
      error: "Ziņa netika nosūtīta. Mēģiniet vēlreiz.", slow: "Lūdzu, nedaudz lēnāk.",
      bot: "Palīgs", person: "Runāt ar cilvēku", helpful: "Noderīgi", notHelpful: "Nav noderīgi",
      botStatus: "Vispirms atbild mūsu palīgs; cilvēks ir viena klikšķa attālumā"},
    el: {title: "Συνομιλήστε μαζί μας", online: "Είμαστε συνδεδεμένοι",
      offline: "Κανείς δεν είναι συνδεδεμένος αυτή τη στιγμή", placeholder: "Γράψτε το μήνυμά σας…",
      send: "Αποστολή", attach: "Επισύναψη αρχείου", waiting: "Περιμένουμε να συνδεθεί ένας συνάδελφος…",
      joined: "Σας απαντά ο/η {name}", ended: "Η συνομιλία τελείωσε", typing: "Ο/Η {name} πληκτρολογεί…",
      seen: "Προβλήθηκε",
      offlineIntro: "Κανείς δεν είναι συνδεδεμένος αυτή τη στιγμή. Αφήστε ένα μήνυμα και θα σας απαντήσουμε με email.",
      name: "Όνομα", email: "Email", leave: "Αφήστε μήνυμα",
      offlineThanks: "Ευχαριστούμε! Θα σας απαντήσουμε με email.",
      prechatIntro: "Πριν ξεκινήσουμε, πείτε μας ποιος είστε.", start: "Έναρξη συνομιλίας",
      transcript: "Στείλτε μου αντίγραφο της συνομιλίας", transcriptSent: "Το αντίγραφο θα σταλεί στο {email}",
      end: "Τέλος συνομιλίας", reconnecting: "Επανασύνδεση…", close: "Κλείσιμο", you: "Εσείς",
      error: "Το μήνυμα δεν στάλθηκε. Δοκιμάστε ξανά.", slow: "Λίγο πιο αργά, παρακαλούμε.",
      bot: "Βοηθός", person: "Μιλήστε με άνθρωπο", helpful: "Χρήσιμο", notHelpful: "Δεν βοήθησε",
      botStatus: "Πρώτα απαντά ο βοηθός μας· ένας άνθρωπος είναι ένα κλικ μακριά"},
    sl: {title: "Klepetajte z nami", online: "Smo na spletu", offline: "Trenutno ni nikogar na spletu",
      placeholder: "Napišite sporočilo…", send: "Pošlji", attach: "Priloži datoteko",
      waiting: "Čakamo, da se pridruži sodelavec…", joined: "Odgovarja vam {name}",
      ended: "Klepet je končan", typing: "{name} piše…", seen: "Prebrano",
      offlineIntro: "Trenutno ni nikogar na spletu. Pustite sporočilo in odgovorili vam bomo po e-pošti.",
      name: "Ime", email: "E-pošta", leave: "Pusti sporočilo",
      offlineThanks: "Hvala! Odgovorili vam bomo po e-pošti.",
      prechatIntro: "Preden začnemo, nam povejte, kdo ste.", start: "Začni klepet",
      transcript: "Pošlji mi prepis pogovora", transcriptSent: "Prepis bo poslan na {email}",
      end: "Končaj klepet", reconnecting: "Ponovno povezovanje…", close: "Zapri", you: "Vi",
      error: "Sporočilo ni bilo poslano. Poskusite znova.", slow: "Malo počasneje, prosimo.",
      bot: "Pomočnik", person: "Govori z osebo", helpful: "Koristno", notHelpful: "Ni koristno",
      botStatus: "Najprej odgovori naš pomočnik; oseba je le en klik stran"}
  };
  var wanted = (script.getAttribute("data-locale") || document.documentElement.lang ||
    navigator.language || "en").slice(0, 2).toLowerCase();
  var locale = STRINGS[wanted] ? wanted : "en";
  function t(key, vars) {
    var text = STRINGS[locale][key] || STRINGS.en[key];
    for (var name in vars || {}) text = text.replace("{" + name + "}", vars[name]);
    return text;
  }

  // --- what the browser remembers: the visitor token and messages not yet acknowledged.
  // A new page asks for the whole conversation; a reconnect only for what it missed.
  var store = load();
  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(store)); } catch (e) { /* private mode */ }
  }
  store.pending = store.pending || [];
  var lastSeen = 0;

  // --- state
  var state = {welcomed: false, online: false, chat: null, config: null, visitor: {},
    messages: {}, agentRead: 0, open: script.getAttribute("data-open") === "true"};

  // --- transport: WebSocket with back-off, event stream + POST when WebSockets fail
  var ws = null, source = null, attempt = 0, everOpened = false, fallback = false, timer = null;

  function connect() {
    clearTimeout(timer);
    if (fallback) return connectStream();
    try { ws = new WebSocket(wsBase + "/chat/" + inbox + "/socket"); } catch (e) { return retry(); }
    ws.onopen = function () {
      everOpened = true; attempt = 0;
      ws.send(JSON.stringify(helloFrame()));
    };
    ws.onmessage = function (event) { receive(JSON.parse(event.data)); };
    ws.onclose = function () {
      ws = null; state.welcomed = false; render();
      // Three refusals in a row without ever opening: this network blocks WebSockets.
      if (!everOpened && attempt >= 2) fallback = true;
      retry();
    };
  }
  function retry() {
    attempt += 1;
    var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
    timer = setTimeout(connect, delay);
  }
  function helloFrame() {
    return {type: "hello", token: store.token || null, last_seen: lastSeen, locale: locale,
      page: {url: location.href, referrer: document.referrer || null, title: document.title}};
  }
  function connectStream() {
    var start = store.token ? Promise.resolve() : post(helloFrame());
    start.then(function () {
      var url = base + "/chat/" + inbox + "/stream?token=" + encodeURIComponent(store.token) +
        "&last_seen=" + lastSeen + "&locale=" + locale;
      source = new EventSource(url);
      source.onmessage = function (event) { receive(JSON.parse(event.data)); };
      source.onerror = function () {
        source.close(); source = null; state.welcomed = false; render(); retry();
      };
      send({type: "page", url: location.href, referrer: document.referrer || null});
    }, retry);
  }
  function post(frame) {
    return fetch(base + "/chat/" + inbox + "/send", {
      method: "POST", credentials: "omit", headers: {"Content-Type": "text/plain"},
      body: JSON.stringify({token: store.token || null, frame: frame,
        page: {url: location.href, referrer: document.referrer || null}})
    }).then(function (r) { return r.json(); }).then(function (frames) {
      (frames || []).forEach(receive);
    });
  }
  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    if (fallback && source) { post(frame); return true; }
    return false;
  }

  // --- frames from the server
  function receive(frame) {
    switch (frame.type) {
      case "welcome":
        store.token = frame.token; save();
        state.welcomed = true; state.online = frame.online; state.config = frame.inbox;
        state.visitor = frame.visitor || {}; setChat(frame.chat);
        frame.messages.forEach(addMessage);
        store.pending.forEach(function (m) { send(m); });  // resend: stored once by client id
        break;
      case "ack":
        store.pending = store.pending.filter(function (m) { return m.client_id !== frame.client_id; });
        save(); break;
      case "message": addMessage(frame); break;
      case "chat": setChat(frame); break;
      case "typing": state.typing = frame.active ? frame.agent : null;
        clearTimeout(state.typingTimer);
        state.typingTimer = setTimeout(function () { state.typing = null; render(); }, 6000);
        break;
      case "read": state.agentRead = Math.max(state.agentRead, frame.message_id); break;
      case "visitor": state.visitor = {name: frame.name, email: frame.email}; break;
      case "transcript": state.notice = t("transcriptSent", {email: frame.email}); break;
      case "invitation.rule":
        setTimeout(function () { send({type: "invite", rule: frame.rule}); }, frame.after * 1000);
        break;
      case "invitation": state.invitation = frame.message; break;
      case "error":
        if (frame.code === "rate_limited") state.notice = t("slow");
        else if (frame.client_id) {
          store.pending = store.pending.filter(function (m) { return m.client_id !== frame.client_id; });
          save(); state.notice = t("error");
        }
        break;
    }
    render();
  }
  function setChat(chat) {
    state.chat = chat && chat.id ? chat : null;
    if (state.chat && chat.agent_read_id) state.agentRead = Math.max(state.agentRead, chat.agent_read_id);
  }
  function addMessage(m) {
    state.messages[m.id] = m;
    if (m.id > lastSeen) lastSeen = m.id;
    if (m.from === "agent") state.typing = null;
    if (state.open && m.from !== "visitor") send({type: "read", message_id: m.id});
  }

  // --- what the visitor does
  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }
  function write(text, uploads) {
    if (!text.trim() && !(uploads && uploads.length)) return;
    var frame = {type: "message", client_id: newId(), text: text, attachments: uploads || []};
    store.pending.push(frame); save();
    state.invitation = null;
    send(frame); render();
  }
  function upload(file) {
    var form = new FormData();
    form.append("token", store.token); form.append("file", file);
    return fetch(base + "/chat/" + inbox + "/upload", {method: "POST", body: form, credentials: "omit"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  var typingSent = 0, typingIdle = null;
  function typing() {
    if (!state.chat) return;
    var now = Date.now();
    if (now - typingSent > 2000) { send({type: "typing", active: true}); typingSent = now; }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(function () { send({type: "typing", active: false}); typingSent = 0; }, 3000);
  }

  // --- drawing, in a shadow root so the page's styles and ours never meet
  var host = document.createElement("div");
  host.setAttribute("data-frontdesk-chat", inbox);
  var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function css(color, side) {
    return ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,sans-serif;font-size:14px}" +
      ".launch{position:fixed;bottom:20px;" + side + ":20px;background:" + color + ";color:#fff;border:0;" +
      "border-radius:24px;padding:12px 18px;cursor:pointer;z-index:2147483000;box-shadow:0 2px 8px #0003}" +
      ".panel{position:fixed;bottom:20px;" + side + ":20px;width:340px;max-width:calc(100vw - 40px);" +
      "height:480px;max-height:calc(100vh - 40px);background:#fff;color:#222;border-radius:10px;" +
      "box-shadow:0 4px 24px #0004;display:flex;flex-direction:column;z-index:2147483000;overflow:hidden}" +
      "header{background:" + color + ";color:#fff;padding:10px 12px;display:flex;justify-content:space-between;align-items:center}" +
      "header small{display:block;opacity:.85;font-size:12px}header button{background:none;border:0;color:#fff;cursor:pointer;font-size:18px}" +
      ".log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:6px}" +
      ".m{max-width:80%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
      ".visitor{align-self:flex-end;background:" + color + ";color:#fff}.agent{align-self:flex-start;background:#eef0f3}" +
      ".m a{color:inherit}.who{font-size:11px;opacity:.7;display:block}.note{font-size:12px;color:#666;text-align:center}" +
      ".article{margin-top:6px;padding:6px;background:#fff;border-radius:6px}.article a{font-weight:600;color:#1a4fb0}" +
      ".excerpt{font-size:12px;color:#444;margin-top:2px}.bot-actions{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}" +
      ".bot-actions button{background:#fff;border:1px solid #ccc;border-radius:12px;padding:3px 9px;cursor:pointer;font-size:12px}" +
      ".seen{font-size:11px;color:#888;align-self:flex-end}form{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid #eee}" +
      "input,textarea{border:1px solid #ccc;border-radius:6px;padding:7px;width:100%}textarea{resize:none;height:54px}" +
      ".row{display:flex;gap:6px;align-items:center}.row textarea{flex:1}" +
      "button.primary{background:" + color + ";color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer}" +
      ".links{display:flex;justify-content:space-between;padding:0 10px 8px}.links button{background:none;border:0;color:#555;cursor:pointer;font-size:12px;text-decoration:underline}" +
      ".invite{position:fixed;bottom:80px;" + side + ":20px;background:#fff;color:#222;padding:10px 12px;border-radius:10px;box-shadow:0 2px 12px #0003;max-width:260px;cursor:pointer;z-index:2147483000}";
  }
  var draft = "";
  function render() {
    if (!root) return;
    var config = state.config || {color: "#1f6feb", position: "right", greeting: {}, prechat: {}};
    var nodes = [el("style", {text: css(config.color, config.position === "left" ? "left" : "right")})];
    if (!state.open) {
      if (state.invitation) nodes.push(el("div", {"class": "invite", text: state.invitation,
        onclick: function () { state.open = true; render(); }}));
      nodes.push(el("button", {"class": "launch", "aria-label": t("title"), text: t("title"),
        onclick: function () { state.open = true; state.invitation = null; markRead(); render(); }}));
    } else {
      nodes.push(panel(config));
    }
    root.replaceChildren ? root.replaceChildren.apply(root, nodes) : replaceAll(nodes);
    var log = root.querySelector(".log");
    if (log) log.scrollTop = log.scrollHeight;
  }
  function replaceAll(nodes) {
    while (root.firstChild) root.removeChild(root.firstChild);
    nodes.forEach(function (n) { root.appendChild(n); });
  }
  function markRead() {
    var last = 0;
    for (var id in state.messages) if (state.messages[id].from === "agent") last = Math.max(last, +id);
    if (last) send({type: "read", message_id: last});
  }
  function status() {
    if (!state.welcomed) return t("reconnecting");
    var chat = state.chat;
    if (chat && chat.state === "active" && chat.agent) return t("joined", {name: chat.agent});
    if (chat && chat.state === "waiting") return t("waiting");
    if (chat && chat.state === "bot") return t("botStatus");
    if (chat && chat.state === "ended") return t("ended");
    return state.online ? t("online") : t("offline");
  }
  function panel(config) {
    var log = el("div", {"class": "log", role: "log", "aria-live": "polite"});
    var greeting = config.greeting && (config.greeting[locale] || config.greeting.en);
    if (greeting) log.appendChild(el("div", {"class": "m agent", text: greeting}));
    var ids = Object.keys(state.messages).map(Number).sort(function (a, b) { return a - b; });
    var lastVisitor = 0;
    ids.forEach(function (id) {
      var m = state.messages[id];
      if (m.from === "visitor") lastVisitor = id;
      if (m.from === "bot") { log.appendChild(botBubble(m)); return; }
      var bubble = el("div", {"class": "m " + m.from, "data-id": String(id)}, [
        el("span", {"class": "who", text: m.from === "visitor" ? t("you") : m.author}),
        document.createTextNode(m.text)]);
      (m.attachments || []).forEach(function (a) {
        bubble.appendChild(el("a", {href: base + "/chat/" + inbox + "/files/" + a.id + "?token=" +
          encodeURIComponent(store.token), target: "_blank", rel: "noopener", text: "📎 " + a.filename}));
      });
      log.appendChild(bubble);
    });
    store.pending.forEach(function (m) {
      log.appendChild(el("div", {"class": "m visitor", style: "opacity:.6", text: m.text}));
    });
    if (lastVisitor && state.agentRead >= lastVisitor) log.appendChild(el("div", {"class": "seen", text: t("seen")}));
    if (state.typing) log.appendChild(el("div", {"class": "note typing", text: t("typing", {name: state.typing})}));
    if (state.notice) log.appendChild(el("div", {"class": "note", text: state.notice}));
    var head = el("header", {}, [el("div", {}, [el("strong", {text: t("title")}),
      el("small", {"class": "status", text: status()})]),
      el("button", {"aria-label": t("close"), text: "×", onclick: function () { state.open = false; render(); }})]);
    return el("div", {"class": "panel", role: "dialog", "aria-label": t("title")},
      [head, log, composer(config), links(config)]);
  }
  // The bot's answers: the article as a link with its excerpt, and while the bot has the
  // chat, "talk to a person" (and a verdict on the answer) under every message.
  function botBubble(m) {
    var bot = m.bot || {};
    var articles = bot.articles || [];
    var text = articles.length ? m.text.split("\n")[0] : m.text;
    var bubble = el("div", {"class": "m agent bot", "data-id": String(m.id)}, [
      el("span", {"class": "who", text: t("bot")}), document.createTextNode(text)]);
    articles.forEach(function (a) {
      bubble.appendChild(el("div", {"class": "article"}, [
        el("a", {href: a.url, target: "_blank", rel: "noopener", text: a.title}),
        el("div", {"class": "excerpt", text: a.excerpt})]));
    });
    if (state.chat && state.chat.state === "bot") {
      var actions = [el("button", {type: "button", "class": "person", text: t("person"),
        onclick: function () { send({type: "person"}); }})];
      if (bot.kind === "answer" && bot.helpful == null) {
        actions.push(el("button", {type: "button", "class": "not-helpful", text: t("notHelpful"),
          onclick: function () { send({type: "feedback", message_id: m.id, helpful: false}); }}));
        actions.push(el("button", {type: "button", "class": "helpful", text: t("helpful"),
          onclick: function () {
            bot.helpful = true; send({type: "feedback", message_id: m.id, helpful: true}); render();
          }}));
      }
      bubble.appendChild(el("div", {"class": "bot-actions"}, actions));
    }
    return bubble;
  }
  function composer(config) {
    var live = state.chat && state.chat.state !== "ended";
    var known = state.visitor && (state.visitor.email || state.visitor.name);
    var offline = state.welcomed && !state.online && !live;
    var pre = config.prechat || {};
    if (offline && !state.visitor.email) return offlineForm();
    if (!offline && !live && pre.enabled && !known) return prechatForm(pre);
    var box = el("textarea", {placeholder: t("placeholder"), "aria-label": t("placeholder")});
    box.value = draft;
    box.addEventListener("input", function () { draft = box.value; typing(); });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(); }
    });
    var file = el("input", {type: "file", "aria-label": t("attach"), style: "display:none"});
    file.addEventListener("change", function () {
      if (!file.files[0]) return;
      upload(file.files[0]).then(function (u) { write(draft, [u.upload]); draft = ""; render(); },
        function () { state.notice = t("error"); render(); });
    });
    function submit() { var text = draft; draft = ""; write(text); }
    setTimeout(function () { box.focus(); }, 0);
    return el("form", {onsubmit: function (e) { e.preventDefault(); submit(); }}, [
      el("div", {"class": "row"}, [box,
        el("button", {type: "button", "aria-label": t("attach"), text: "📎",
          onclick: function () { file.click(); }}), file,
        el("button", {"class": "primary", type: "submit", text: t("send")})])]);
  }
  function prechatForm(pre) {
    var name = pre.ask_name ? el("input", {name: "name", placeholder: t("name"), "aria-label": t("name")}) : null;
    var email = el("input", {name: "email", type: "email", placeholder: t("email"), "aria-label": t("email")});
    if (pre.require_email) email.required = true;
    return el("form", {onsubmit: function (e) {
      e.preventDefault();
      send({type: "prechat", name: name ? name.value : "", email: email.value || null});
    }}, [el("div", {"class": "note", text: t("prechatIntro")}), name, email,
      el("button", {"class": "primary", type: "submit", text: t("start")})]);
  }
  function offlineForm() {
    var name = el("input", {name: "name", placeholder: t("name"), "aria-label": t("name")});
    var email = el("input", {name: "email", type: "email", required: "required", placeholder: t("email"), "aria-label": t("email")});
    var text = el("textarea", {name: "message", required: "required", placeholder: t("placeholder"), "aria-label": t("placeholder")});
    return el("form", {"class": "offline", onsubmit: function (e) {
      e.preventDefault();
      send({type: "prechat", name: name.value, email: email.value});
      write(text.value); state.notice = t("offlineThanks");
    }}, [el("div", {"class": "note", text: t("offlineIntro")}), name, email, text,
      el("button", {"class": "primary", type: "submit", text: t("leave")})]);
  }
  function links(config) {
    var items = [];
    if (config.transcripts && Object.keys(state.messages).length) {
      items.push(el("button", {type: "button", text: t("transcript"), onclick: function () {
        var email = state.visitor.email || window.prompt(t("email"));
        if (email) send({type: "transcript", email: email});
      }}));
    }
    if (state.chat && state.chat.state !== "ended") {
      items.push(el("button", {type: "button", text: t("end"), onclick: function () { send({type: "end"}); }}));
    }
    return el("div", {"class": "links"}, items);
  }

  window.addEventListener("popstate", function () {
    send({type: "page", url: location.href, referrer: document.referrer || null});
  });
  function start() { document.body.appendChild(host); render(); connect(); }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  window.FrontdeskChat = {open: function () { state.open = true; render(); }, state: state};
})();
