import { MESSAGE_TEXT_MAX_CHARS } from "../../limits.js";
import { TEXT_LANGUAGES, textsFor, type TextKey } from "../../texts/index.js";
import { LANGUAGE_TAG, LANGUAGE_TAG_MAX_CHARS } from "../../texts/languages.js";
import { MARKDOWN_RENDERER } from "./client.generated.js";
import { CLOSE, WEBCHAT_PING } from "./constants.js";

/**
 * The web chat page: one self-contained document (no framework, nothing loaded from elsewhere) that
 * works on a phone. It keeps its session token in localStorage, so a reload resumes the same
 * conversation and shows its history; it reconnects with exponential backoff and jitter, sends a
 * heartbeat every 30 s, shows "typing…" from the moment a message is sent until the answer's first
 * words, renders the answer's Markdown as it streams (delta frames), shows each message's time,
 * empties the screen on /reset and /forget, and resends a message that was not answered before a
 * disconnect (with the same id, so it is answered once). Under each answer completed while the page is
 * open it offers 👍 and 👎: one choice an answer, sent once as a `feedback` frame (never answered), after
 * which both buttons show the choice and are disabled. Answers shown from the history have none (the
 * room counts thumbs only on the answers it delivered since it woke). Its token never goes in a URL: each socket
 * opens with a connect ticket the page fetches just before (routes.ts says why). Its scripts run by
 * their hashes (routes.ts) and it never makes HTML of a string: the page's CSP forbids it (Trusted Types).
 * It speaks the browser's language: its labels are in the language it is served in (webChatPage, from
 * Accept-Language), and each message frame carries `navigator.language`, which the room says its own
 * texts in (errors, the queue note) and the pipeline answers in unless the text says otherwise.
 */
const PAGE_SCRIPT = /* js */ `
(function () {
  "use strict";
  var log = document.getElementById("log");
  var empty = document.getElementById("empty");
  var input = document.getElementById("input");
  var form = document.getElementById("composer");
  var statusEl = document.getElementById("status");
  var TOKEN_KEY = "chat.token", EXPIRY_KEY = "chat.expires_at", PENDING_KEY = "chat.pending";
  var socket = null, attempt = 0, refusals = 0, heartbeat = null, pongTimer = null, reconnectTimer = null;
  var streaming = null, streamingText = "", renderQueued = false, typingEl = null;
  var TEXT_LIMIT = ${MESSAGE_TEXT_MAX_CHARS};
  // The page's texts, in the language it was served in (routes.ts: the browser's Accept-Language).
  var TEXTS = JSON.parse(document.getElementById("texts").textContent);
  // The browser's language, sent with each message: the room says its own texts in it (as the edge checks it).
  var LANG = typeof navigator.language === "string" && navigator.language.length <= ${LANGUAGE_TAG_MAX_CHARS} && new RegExp(${JSON.stringify(LANGUAGE_TAG.source)}).test(navigator.language) ? navigator.language : undefined;
  var clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  var pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "[]");

  function t(key, params) {
    return TEXTS[key].replace(/\\{(\\w+)\\}/g, function (whole, name) { return params && name in params ? String(params[name]) : whole; });
  }
  function messageFrame(text, id) { return JSON.stringify({ type: "message", text: text, id: id, lang: LANG }); }
  function setStatus(state, text) { statusEl.dataset.state = state; statusEl.textContent = text; }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function add(cls, text) {
    if (empty) { empty.remove(); empty = null; }
    var el = document.createElement("div");
    el.className = cls;
    el.textContent = text;
    // "typing…" stays last: what is added goes before it.
    log.insertBefore(el, typingEl && typingEl.parentNode === log ? typingEl : null);
    scroll();
    return el;
  }
  // A message: its text (an answer's Markdown, rendered) and its time.
  function bubble(role, text, at, extra) {
    var el = add("msg " + role + (extra || ""), "");
    var body = document.createElement("div");
    body.className = "text";
    el.appendChild(body);
    var time = document.createElement("time");
    var when = at ? new Date(at) : new Date();
    time.dateTime = when.toISOString();
    time.textContent = clock.format(when);
    el.appendChild(time);
    setText(el, role, text, false);
    return el;
  }
  function setText(el, role, text, partial) {
    if (role === "assistant") renderMarkdown(el.firstChild, text, partial);
    else el.firstChild.textContent = text;
  }
  function note(text, isError) { add("note" + (isError ? " error" : ""), text); }
  // 👍 and 👎 under an answer: one choice, sent once; then both show it and are disabled.
  function thumbs(el) {
    var bar = document.createElement("div");
    bar.className = "feedback";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", t("rate"));
    [["up", "\u{1F44D}", t("good")], ["down", "\u{1F44E}", t("bad")]].forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "thumb";
      button.dataset.value = choice[0];
      button.textContent = choice[1];
      button.title = choice[2];
      button.setAttribute("aria-label", choice[2]);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        if (!socket || socket.readyState !== 1 || bar.dataset.sent) return;
        socket.send(JSON.stringify({ type: "feedback", value: choice[0] }));
        bar.dataset.sent = choice[0];
        button.setAttribute("aria-pressed", "true");
        bar.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      });
      bar.appendChild(button);
    });
    el.appendChild(bar);
  }
  function showTyping(on) {
    if (on && !typingEl) {
      var el = document.createElement("div");
      el.className = "typing";
      el.setAttribute("aria-label", t("typing"));
      for (var i = 0; i < 3; i++) { var dot = document.createElement("span"); dot.textContent = "●"; el.appendChild(dot); el.appendChild(document.createTextNode(" ")); }
      if (empty) { empty.remove(); empty = null; }
      log.appendChild(el);
      typingEl = el;
      scroll();
    }
    if (!on && typingEl) { typingEl.remove(); typingEl = null; }
  }
  function clearScreen() {
    log.querySelectorAll(".msg, .note").forEach(function (el) { el.remove(); });
  }
  function savePending() { sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending)); }

  async function session() {
    var token = localStorage.getItem(TOKEN_KEY);
    var expires = Number(localStorage.getItem(EXPIRY_KEY) || 0);
    if (token && expires - 60 > Date.now() / 1000) return token;
    var res = await fetch("/chat/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(token ? { token: token } : {}) });
    if (!res.ok) throw new Error("session " + res.status);
    var body = await res.json();
    localStorage.setItem(TOKEN_KEY, body.token);
    localStorage.setItem(EXPIRY_KEY, String(body.expires_at));
    return body.token;
  }

  // A connect ticket: the token goes in a POST body, and only the ticket (seconds, one socket) in the URL.
  async function ticket() {
    var token = await session();
    var res = await fetch("/chat/ticket", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: token }) });
    // The token is no longer good: the next try trades it for a fresh one (the same conversation).
    if (res.status === 401) localStorage.setItem(EXPIRY_KEY, "0");
    if (!res.ok) throw new Error("ticket " + res.status);
    return (await res.json()).ticket;
  }

  async function connect() {
    clearTimeout(reconnectTimer);
    setStatus("connecting", t(attempt ? "reconnecting" : "connecting"));
    var pass;
    try { pass = await ticket(); } catch (e) { return retry(); }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws?ticket=" + encodeURIComponent(pass);
    var ws = new WebSocket(url);
    socket = ws;
    ws.onopen = function () {
      heartbeat = setInterval(function () {
        if (ws.readyState !== 1) return;
        ws.send('${WEBCHAT_PING}');
        clearTimeout(pongTimer);
        pongTimer = setTimeout(function () { ws.close(); }, 10000);
      }, 30000);
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "pong") { clearTimeout(pongTimer); return; }
      if (frame.type === "history") {
        // The room took the socket (a refused one is closed before any history).
        attempt = 0; refusals = 0;
        setStatus("online", t("online"));
        log.querySelectorAll(".msg, .note, .typing").forEach(function (el) { el.remove(); });
        typingEl = null; streaming = null;
        frame.messages.forEach(function (m) { bubble(m.role, m.text, m.at); });
        pending.forEach(function (m) { bubble("user", m.text, m.at, " pending").dataset.id = m.id; });
        if (pending.length) showTyping(true);
        pending.forEach(function (m) { ws.send(messageFrame(m.text, m.id)); });
        return;
      }
      if (frame.type === "typing") { if (!streaming) showTyping(true); return; }
      // Every assistant is busy: the message waits its turn, and the answer follows.
      if (frame.type === "queued") { note(frame.message || t("queued"), false); showTyping(true); return; }
      if (frame.type === "delta") {
        showTyping(false);
        if (!streaming) { streaming = bubble("assistant", ""); streamingText = ""; }
        streamingText += frame.text;
        // Rendered once a frame, however many pieces arrived meanwhile.
        if (!renderQueued) {
          renderQueued = true;
          requestAnimationFrame(function () {
            renderQueued = false;
            if (streaming) { setText(streaming, "assistant", streamingText, true); scroll(); }
          });
        }
        return;
      }
      if (frame.type === "done") {
        showTyping(false);
        if (frame.cleared) { clearScreen(); streaming = null; }
        if (!streaming) streaming = bubble("assistant", "");
        setText(streaming, "assistant", frame.text, false);
        if (!frame.cleared) thumbs(streaming);
        streaming = null;
        var answered = pending.shift();
        if (answered) {
          var el = log.querySelector('.msg.pending[data-id="' + answered.id + '"]');
          if (el) el.classList.remove("pending");
          savePending();
        }
        scroll();
        return;
      }
      if (frame.type === "error") {
        showTyping(false);
        streaming = null;
        if (frame.code === "rate_limited" || frame.code === "bad_frame" || frame.code === "too_large") { pending.shift(); savePending(); }
        note(frame.message || t("failed"), true);
      }
    };
    ws.onclose = function (event) {
      clearInterval(heartbeat); clearTimeout(pongTimer);
      if (socket !== ws) return;
      socket = null;
      // The ticket was refused (late, spent, another network's) or the URL is a former one: fetch a
      // new ticket at once, a few times; then as any other drop, with backoff.
      if ((event.code === ${CLOSE.ticketRefused} || event.code === ${CLOSE.tokenInUrl}) && refusals < 3) { refusals += 1; connect(); return; }
      retry();
    };
  }

  function retry() {
    attempt += 1;
    // 1 s, 2 s, 4 s … up to 30 s, with jitter so a server restart is not met by every tab at once.
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt - 1)) * (0.5 + Math.random() / 2);
    setStatus("offline", t("offline", { seconds: Math.ceil(delay / 1000) }));
    reconnectTimer = setTimeout(connect, delay);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (text.length > TEXT_LIMIT) {
      // Kept in the box, never cut: the user decides what to leave out.
      note(t("tooLong", { count: text.length, max: TEXT_LIMIT }), true);
      return;
    }
    var id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)).replace(/[^\\w-]/g, "");
    var m = { id: id, text: text, at: Date.now() };
    pending.push(m); savePending();
    bubble("user", text, m.at, socket && socket.readyState === 1 ? "" : " pending").dataset.id = id;
    showTyping(true);
    if (socket && socket.readyState === 1) socket.send(messageFrame(text, id));
    input.value = ""; input.style.height = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () { input.style.height = ""; input.style.height = Math.min(input.scrollHeight, 128) + "px"; });
  window.addEventListener("online", function () { if (!socket) connect(); });

  connect();
})();
`;

/** The page's inline scripts, in order: the Markdown renderer, then the chat. */
export const WEBCHAT_SCRIPTS = [MARKDOWN_RENDERER, PAGE_SCRIPT] as const;

/** The texts the chat script says itself, by the names it uses (placeholders left for it to fill). */
const SCRIPT_TEXTS = {
  connecting: "webchat.page.connecting",
  reconnecting: "webchat.page.reconnecting",
  online: "webchat.page.online",
  offline: "webchat.page.offline",
  typing: "webchat.page.typing",
  rate: "webchat.page.rate",
  good: "webchat.page.good",
  bad: "webchat.page.bad",
  failed: "webchat.page.failed",
  tooLong: "webchat.page.tooLong",
  queued: "webchat.queued",
} as const satisfies Record<string, TextKey>;

const pages = new Map<string, string>();

/**
 * The page in `lang` (one of TEXT_LANGUAGES; any other is English), made once per language: its
 * labels, `<html lang>`, and the texts its script says, as a JSON data block the script reads (the
 * scripts themselves stay the same in every language, so their CSP hashes do too).
 */
export function webChatPage(lang: string): string {
  const code = TEXT_LANGUAGES.includes(lang) ? lang : "en";
  let page = pages.get(code);
  if (!page) {
    page = renderPage(code);
    pages.set(code, page);
  }
  return page;
}

function renderPage(lang: string): string {
  const say = textsFor(lang);
  const texts = Object.fromEntries(Object.entries(SCRIPT_TEXTS).map(([name, key]) => [name, say(key)]));
  // In a data block only "</script" could end it early: no "<" goes in.
  const data = JSON.stringify(texts).replace(/</g, "\\u003c");
  const empty = html(say("webchat.page.empty")).replace(/\/reset\b/g, "<b>/reset</b>");
  return /* html */ `<!doctype html>
<html lang="${html(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<title>${html(say("webchat.page.title"))}</title>
<style>
  :root {
    --bg: #f4f5f7; --panel: #ffffff; --text: #1c1e21; --muted: #6b7280; --accent: #2563eb;
    --mine: #2563eb; --mine-text: #ffffff; --theirs: #ffffff; --border: #e5e7eb; --error: #b91c1c;
  }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #0f1115; --panel: #171a21; --text: #e6e8eb; --muted: #9aa3af; --theirs: #222632; --border: #2a2f3a; }
  }
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text);
    display: flex; flex-direction: column; height: 100dvh; }
  header { display: flex; align-items: center; gap: .6rem; padding: .75rem 1rem; background: var(--panel);
    border-bottom: 1px solid var(--border); padding-top: max(.75rem, env(safe-area-inset-top)); }
  header h1 { font-size: 1.05rem; margin: 0; font-weight: 600; }
  #status { margin-left: auto; font-size: .8rem; color: var(--muted); display: flex; align-items: center; gap: .4rem; }
  #status::before { content: ""; width: .55rem; height: .55rem; border-radius: 50%; background: #9ca3af; }
  #status[data-state="online"]::before { background: #16a34a; }
  #status[data-state="offline"]::before { background: #f59e0b; }
  main { flex: 1; overflow-y: auto; padding: 1rem max(1rem, calc((100% - 48rem) / 2)); display: flex; flex-direction: column; gap: .5rem; }
  .msg { max-width: min(80%, 42rem); padding: .55rem .8rem; border-radius: 1rem; white-space: pre-wrap;
    overflow-wrap: anywhere; box-shadow: 0 1px 1px rgba(0,0,0,.06); }
  .msg pre { white-space: pre; overflow-x: auto; margin: .35rem 0; padding: .5rem .6rem; border-radius: .5rem;
    background: rgba(127,127,127,.13); font-size: .88em; }
  .msg code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
  .msg :not(pre) > code { background: rgba(127,127,127,.15); padding: 0 .25em; border-radius: .25rem; }
  .msg blockquote { margin: .3rem 0; padding-left: .6rem; border-left: 3px solid var(--border); color: var(--muted); }
  .msg a { color: inherit; text-decoration: underline; }
  .msg time { display: block; margin-top: .15rem; font-size: .7rem; opacity: .65; text-align: right; white-space: nowrap; }
  .msg.user { align-self: flex-end; background: var(--mine); color: var(--mine-text); border-bottom-right-radius: .3rem; }
  .msg.assistant { align-self: flex-start; background: var(--theirs); border: 1px solid var(--border); border-bottom-left-radius: .3rem; }
  .msg.pending { opacity: .6; }
  .feedback { display: flex; gap: .3rem; margin-top: .25rem; white-space: normal; }
  .feedback button { font-weight: 400; font-size: .85rem; line-height: 1.5; padding: 0 .5rem; border-radius: 1rem;
    background: transparent; color: inherit; border: 1px solid var(--border); }
  .feedback button:hover:not(:disabled) { background: rgba(127,127,127,.12); }
  .feedback button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
  .feedback button[aria-pressed="true"] { border-color: var(--accent); background: rgba(37,99,235,.15); opacity: 1; }
  .note { align-self: center; font-size: .8rem; color: var(--muted); text-align: center; }
  .note.error { color: var(--error); }
  .typing { align-self: flex-start; color: var(--muted); font-size: .9rem; padding: .2rem .8rem; }
  .typing span { animation: blink 1.2s infinite; }
  .typing span:nth-child(2) { animation-delay: .2s; } .typing span:nth-child(3) { animation-delay: .4s; }
  @keyframes blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }
  .empty { margin: auto; text-align: center; color: var(--muted); max-width: 22rem; }
  form { display: flex; gap: .5rem; padding: .6rem max(.6rem, calc((100% - 48rem) / 2)); background: var(--panel); border-top: 1px solid var(--border);
    padding-bottom: max(.6rem, env(safe-area-inset-bottom)); }
  textarea { flex: 1; resize: none; font: inherit; padding: .6rem .8rem; border-radius: 1.2rem; border: 1px solid var(--border);
    background: var(--bg); color: var(--text); max-height: 8rem; }
  textarea:focus { outline: 2px solid var(--accent); outline-offset: 0; }
  button { font: inherit; font-weight: 600; border: 0; border-radius: 1.2rem; padding: 0 1.1rem; background: var(--accent); color: #fff; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
</style>
</head>
<body>
<header><h1>${html(say("webchat.page.title"))}</h1><div id="status" data-state="connecting" role="status">${html(say("webchat.page.connecting"))}</div></header>
<main id="log" aria-live="polite"><p class="empty" id="empty">${empty}</p></main>
<form id="composer" autocomplete="off">
  <textarea id="input" rows="1" placeholder="${html(say("webchat.page.placeholder"))}" aria-label="${html(say("webchat.page.message"))}"></textarea>
  <button id="send" type="submit">${html(say("webchat.page.send"))}</button>
</form>
<script type="application/json" id="texts">${data}</script>
<script>${MARKDOWN_RENDERER}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Text as HTML (an element's content or a quoted attribute's value). */
function html(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
