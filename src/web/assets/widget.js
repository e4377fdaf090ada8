/*
 * refdesk web chat — the "Ask the library" page and the embeddable widget.
 *
 *   Page mode:   <script src="/widget.js" data-mode="page" defer></script>
 *                renders into <main id="refdesk-chat"> (styled by /chat.css).
 *   Widget mode: <script src="https://refdesk.example.edu/widget.js" defer></script>
 *                adds a round "Ask a librarian" button that opens a chat panel. Everything
 *                lives in a shadow root, so the host site's CSS cannot reach it.
 *                Optional attributes: data-title, data-subtitle, data-greeting, and data-lang
 *                (the site's language, tried before the browser's).
 *
 * Every word the patron sees comes from the server, in the patron's language: the page
 * embeds it (<script type="application/json" id="refdesk-config">), the widget fetches it
 * from /chat/config?langs=<navigator.languages>. The server's colours are /chat/theme.css.
 * Protocol: WebSocket /chat/ws on the server this script came from (see src/web/chat.rs).
 * Message text is only ever put into the page with textContent / DOM nodes; links are built
 * with createElement('a') and only for http(s).
 * No dependencies, no build step.
 */
(() => {
  'use strict';

  if (window.__refdeskChatLoaded) return;
  window.__refdeskChatLoaded = true;

  // Must be read now: currentScript is only set while this file first runs.
  const SCRIPT = document.currentScript || findOwnScript();

  function findOwnScript() {
    const all = document.querySelectorAll('script[src]');
    for (let i = all.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(all[i].src)) return all[i];
    }
    return null;
  }

  const attr = (name) => (SCRIPT && SCRIPT.getAttribute(name)) || '';
  const MODE = attr('data-mode') === 'page' ? 'page' : 'widget';

  let BASE;
  try {
    BASE = new URL(SCRIPT && SCRIPT.src ? SCRIPT.src : location.href, location.href);
  } catch (_) {
    BASE = new URL(location.href);
  }
  const WS_URL = (BASE.protocol === 'https:' ? 'wss://' : 'ws://') + BASE.host + '/chat/ws';

  const MAX_LEN = 2000;
  const COUNTER_FROM = 1800;
  const MAX_KEEP = 200;
  const MAX_SEEN = 1000;
  const BACKOFF_MAX = 30000;
  const KEY_SESSION = 'refdesk.session';
  const KEY_TRANSCRIPT = 'refdesk.transcript';
  const KEY_OPEN = 'refdesk.open';
  const FROMS = ['patron', 'bot', 'librarian', 'system'];
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // The strings, title and greeting come from the server in the patron's language: embedded
  // in the page (#refdesk-config), fetched by the widget from /chat/config. See configure().
  let T = {};
  let LANG = 'en';
  let DIR = 'ltr';
  let HINT = null; // the language sent with the socket, when the patron chose it
  let GREETING = { text: '', lang: 'en' };

  const LANG_RE = /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i;
  const validLang = (l) => typeof l === 'string' && l.length <= 35 && LANG_RE.test(l);

  function configure(config) {
    if (!config || typeof config !== 'object' || !config.strings || typeof config.strings !== 'object') return false;
    const text = (v) => (typeof v === 'string' ? v : '');
    T = {};
    for (const key of Object.keys(config.strings)) T[key] = text(config.strings[key]);
    LANG = validLang(config.lang) ? config.lang : 'en';
    DIR = config.dir === 'rtl' ? 'rtl' : 'ltr';
    HINT = validLang(config.hint) ? config.hint : null;
    // A library's own site may name the chat otherwise (data-title, data-subtitle, data-greeting).
    T.title = attr('data-title') || text(config.title);
    if (attr('data-subtitle')) T.subtitle = attr('data-subtitle');
    GREETING = attr('data-greeting')
      ? { text: attr('data-greeting'), lang: LANG }
      : { text: text(config.greeting), lang: validLang(config.greeting_lang) ? config.greeting_lang : LANG };
    return true;
  }

  // What the browser prefers, most wanted first; a library's site can put its own language
  // first with data-lang.
  function browserLanguages() {
    const list = [attr('data-lang')];
    if (Array.isArray(navigator.languages)) list.push(...navigator.languages);
    list.push(navigator.language);
    return list.filter(validLang).slice(0, 16);
  }

  /* ------------------------------------------------------------------ storage */

  // localStorage can be missing or throw (private modes, blocked third-party storage):
  // the chat then still works, it just does not survive a reload.
  const memory = new Map();
  const store = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch (_) { return memory.has(key) ? memory.get(key) : null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); return true; } catch (_) { memory.set(key, value); return false; }
    },
    remove(key) {
      memory.delete(key);
      try { window.localStorage.removeItem(key); } catch (_) { /* ignore */ }
    },
  };

  function sessionFlag(key, value) {
    try {
      if (value === undefined) return window.sessionStorage.getItem(key) === '1';
      if (value) window.sessionStorage.setItem(key, '1');
      else window.sessionStorage.removeItem(key);
    } catch (_) { /* ignore */ }
    return false;
  }

  function validToken(t) {
    return typeof t === 'string' && t.length > 0 && t.length <= 512 && /^[\x21-\x7e]+$/.test(t);
  }

  function cleanMessage(m) {
    if (!m || typeof m !== 'object') return null;
    if (!FROMS.includes(m.from) || typeof m.text !== 'string' || m.text.length > 20000) return null;
    const out = { from: m.from, text: m.text, ts: typeof m.ts === 'number' ? m.ts : 0 };
    if (typeof m.id === 'string' && m.id) out.id = m.id;
    if (validLang(m.lang)) out.lang = m.lang;
    if (typeof m.name === 'string' && m.name && [...m.name].length <= 60) out.name = m.name;
    if (m.prompt === 'rating') out.prompt = 'rating';
    if (typeof m.rated === 'number' && m.rated >= 1 && m.rated <= 5) out.rated = m.rated;
    if (m.from === 'patron') {
      if (typeof m.client_id !== 'string' || !m.client_id) return null;
      out.client_id = m.client_id;
      // Anything not confirmed by the server is sent again (with the same client_id).
      out.status = m.status === 'delivered' ? 'delivered' : 'queued';
    }
    return out;
  }

  function loadTranscript() {
    const empty = { session: null, messages: [], seen: [], updated: 0 };
    let data;
    try { data = JSON.parse(store.get(KEY_TRANSCRIPT) || 'null'); } catch (_) { return empty; }
    if (!data || data.v !== 1 || !Array.isArray(data.messages)) return empty;
    return {
      session: validToken(data.session) ? data.session : null,
      messages: data.messages.map(cleanMessage).filter(Boolean).slice(-MAX_KEEP),
      seen: Array.isArray(data.seen) ? data.seen.filter((x) => typeof x === 'string').slice(-MAX_SEEN) : [],
      updated: typeof data.updated === 'number' ? data.updated : 0,
    };
  }

  /* -------------------------------------------------------------------- state */

  const saved = loadTranscript();
  let session = validToken(store.get(KEY_SESSION)) ? store.get(KEY_SESSION) : null;
  let convSession = saved.session; // the session the transcript and seen ids belong to
  let messages = saved.messages;
  const seen = new Set(saved.seen); // ids of server messages already shown
  let lastActivity = saved.updated; // when the conversation last changed

  const elOf = new WeakMap(); // message object -> element
  const byClient = new Map(); // client_id -> message object (patron messages)

  let saveTimer = 0;
  let dirty = false;
  function scheduleSave() {
    dirty = true;
    if (!saveTimer) saveTimer = setTimeout(saveNow, 60);
  }
  function saveNow() {
    clearTimeout(saveTimer);
    saveTimer = 0;
    if (!dirty) return;
    dirty = false;
    const payload = (list) => JSON.stringify({
      v: 1,
      session: convSession,
      updated: lastActivity,
      messages: list,
      seen: Array.from(seen).slice(-MAX_SEEN),
    });
    const list = messages.slice(-MAX_KEEP);
    if (!store.set(KEY_TRANSCRIPT, payload(list))) {
      store.set(KEY_TRANSCRIPT, payload(list.slice(-50))); // over quota: keep the recent part
    }
  }

  function uuid() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (_) { /* not a secure context */ }
    }
    const bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /* ---------------------------------------------------------------- DOM utils */

  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const key of Object.keys(attrs)) {
        const value = attrs[key];
        if (value === false || value === null || value === undefined) continue;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = value;
        else node.setAttribute(key, value === true ? '' : String(value));
      }
    }
    if (children) node.append(...children.filter(Boolean));
    return node;
  }

  const ICONS = {
    send: 'M3.4 20.4 21 12 3.4 3.6v6.5L15.5 12 3.4 13.9z',
    chat: 'M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8.6L6 21.6V18H5a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3zm2 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
    bot: 'M12 2.5l1.9 5.6 5.6 1.9-5.6 1.9L12 17.5l-1.9-5.6L4.5 10l5.6-1.9zM18.5 15l.9 2.6 2.6.9-2.6.9-.9 2.6-.9-2.6-2.6-.9 2.6-.9z',
    librarian: 'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v2h16v-2c0-2.8-3.6-5-8-5z',
  };

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(SVG_NS, 'path');
    if (name === 'close') {
      path.setAttribute('d', 'M6 6l12 12M18 6L6 18');
      path.setAttribute('fill', 'none');
      path.setAttribute('stroke', 'currentColor');
      path.setAttribute('stroke-width', '2.2');
      path.setAttribute('stroke-linecap', 'round');
    } else {
      path.setAttribute('d', ICONS[name]);
      path.setAttribute('fill', 'currentColor');
      if (name === 'chat') path.setAttribute('fill-rule', 'evenodd');
    }
    svg.append(path);
    return svg;
  }

  /* ------------------------------------------------------ message formatting */

  // Minimal Markdown for bot and librarian messages, built only from DOM nodes:
  // paragraphs, line breaks, "- " / "1. " lists, "# " headings, ---, and inline
  // [label](http…), bare http(s) URLs, **bold**, *italic* and `code`.
  const INLINE_RE = /\[([^[\]\n]{1,500})\]\(\s*(https?:\/\/[^\s()<>]+(?:\([^\s()<>]*\)[^\s()<>]*)*)\s*\)|(https?:\/\/[^\s<>"'`]+)|\*\*(?=\S)([^\n]*?\S)\*\*|`([^`\n]{1,500})`|(^|[\s(["'])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])|([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})|(\+\d[\d ().-]{5,18}\d)/gi;

  function makeLink(url, label) {
    let parsed = null;
    if (/^https?:\/\//i.test(url)) {
      try { parsed = new URL(url); } catch (_) { parsed = null; }
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || !parsed.hostname) {
      return document.createTextNode(label === url ? url : label + ' (' + url + ')');
    }
    const a = document.createElement('a');
    a.href = parsed.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = label;
    if (label !== url) a.title = parsed.href;
    return a;
  }

  function count(s, ch) {
    let n = 0;
    for (const c of s) if (c === ch) n++;
    return n;
  }

  // Punctuation right after a bare URL usually belongs to the sentence, not the link.
  function splitTrailing(url) {
    let trail = '';
    for (;;) {
      const last = url.charAt(url.length - 1);
      const unbalanced = (last === ')' && count(url, '(') < count(url, ')')) ||
        (last === ']' && count(url, '[') < count(url, ']'));
      if (!last || !('.,;:!?*_'.includes(last) || unbalanced)) break;
      trail = last + trail;
      url = url.slice(0, -1);
    }
    return [url, trail];
  }

  function appendInline(parent, text, depth) {
    let last = 0;
    for (const m of text.matchAll(INLINE_RE)) {
      const prefix = m[6] || '';
      const start = m.index + prefix.length;
      if (start > last) parent.append(text.slice(last, start));
      if (m[2] !== undefined) {
        parent.append(makeLink(m[2], m[1]));
      } else if (m[3] !== undefined) {
        const [url, trail] = splitTrailing(m[3]);
        parent.append(makeLink(url, url));
        if (trail) parent.append(trail);
      } else if (m[4] !== undefined || m[7] !== undefined) {
        const node = document.createElement(m[4] !== undefined ? 'strong' : 'em');
        const inner = m[4] !== undefined ? m[4] : m[7];
        if (depth < 2) appendInline(node, inner, depth + 1);
        else node.textContent = inner;
        parent.append(node);
      } else if (m[5] !== undefined) {
        parent.append(h('code', { text: m[5] }));
      } else if (m[8] !== undefined) {
        parent.append(h('a', { href: 'mailto:' + m[8], text: m[8] }));
      } else if (m[9] !== undefined) {
        // tel: links dial the digits; what is shown stays as written.
        parent.append(h('a', { href: 'tel:' + m[9].replace(/[^\d+]/g, ''), text: m[9] }));
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function renderRich(parent, text) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    let para = null;
    let list = null;
    for (const raw of lines) {
      const line = raw.replace(/\s+$/, '');
      let m;
      if (!line) { para = null; list = null; continue; }
      if (/^\s{0,3}([-*_])(\s*\1){2,}$/.test(line)) {
        para = null; list = null;
        parent.append(document.createElement('hr'));
        continue;
      }
      const bullet = /^\s{0,3}[-*\u2022]\s+(.+)$/.exec(line);
      const numbered = bullet ? null : /^\s{0,3}(\d{1,4})[.)]\s+(.+)$/.exec(line);
      if (bullet || numbered) {
        para = null;
        const tag = bullet ? 'UL' : 'OL';
        if (!list || list.tagName !== tag) {
          list = document.createElement(tag.toLowerCase());
          if (numbered && numbered[1] !== '1') list.start = parseInt(numbered[1], 10);
          parent.append(list);
        }
        const li = document.createElement('li');
        appendInline(li, bullet ? bullet[1] : numbered[2], 0);
        list.append(li);
        continue;
      }
      if (list && /^\s{2,}\S/.test(line) && list.lastElementChild) {
        // an indented continuation of the previous list item
        list.lastElementChild.append(document.createElement('br'));
        appendInline(list.lastElementChild, line.trim(), 0);
        continue;
      }
      if ((m = /^\s{0,3}#{1,6}\s+(.+?)(?:\s+#+)?$/.exec(line))) {
        para = null; list = null;
        const p = h('p', { class: 'refdesk-heading' });
        const strong = document.createElement('strong');
        appendInline(strong, m[1], 1);
        p.append(strong);
        parent.append(p);
        continue;
      }
      list = null;
      if (para) para.append(document.createElement('br'));
      else { para = document.createElement('p'); parent.append(para); }
      appendInline(para, line.replace(/^\s+/, ''), 0);
    }
  }

  function formatTime(ts) {
    if (!ts) return '';
    try {
      const d = new Date(ts);
      const now = new Date();
      const sameDay = d.toDateString() === now.toDateString();
      return sameDay
        ? d.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' })
        : d.toLocaleString(LANG, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    } catch (_) {
      return '';
    }
  }

  /* ----------------------------------------------------------------- the UI */

  let ui = null; // element references, set by buildChat()

  function buildChat(root) {
    root.classList.add('refdesk-root');

    const log = h('div', {
      id: 'refdesk-messages',
      class: 'refdesk-log',
      role: 'log',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      'aria-label': T.log,
      tabindex: '0',
    });
    const typing = h('div', { class: 'refdesk-typing', 'aria-hidden': 'true', hidden: true },
      [h('span'), h('span'), h('span')]);
    const jump = h('button', { type: 'button', class: 'refdesk-jump', hidden: true, text: T.new_messages });

    const statusText = h('span', { class: 'refdesk-status-text', text: T.idle });
    const status = h('div', { id: 'refdesk-status', class: 'refdesk-status', role: 'status', 'data-state': 'idle' },
      [h('span', { class: 'refdesk-dot', 'aria-hidden': 'true' }), statusText]);
    const reset = h('button', { type: 'button', class: 'refdesk-reset', title: T.start_over_title, text: T.start_over });
    const notice = h('div', { id: 'refdesk-notice', class: 'refdesk-notice', role: 'status', hidden: true });

    const input = h('textarea', {
      id: 'refdesk-input',
      class: 'refdesk-input',
      rows: '1',
      maxlength: String(MAX_LEN),
      placeholder: T.placeholder,
      dir: 'auto',
      autocomplete: 'off',
      autocapitalize: 'sentences',
      spellcheck: 'true',
      enterkeyhint: 'send',
      'aria-describedby': 'refdesk-hint refdesk-counter',
    });
    const send = h('button', { id: 'refdesk-send', class: 'refdesk-send', type: 'submit', 'aria-label': T.send, title: T.send, disabled: true },
      [icon('send')]);
    const form = h('form', { class: 'refdesk-composer', novalidate: true, 'aria-label': T.input_label }, [
      h('label', { class: 'refdesk-sr-only', for: 'refdesk-input', text: T.input_label }),
      input,
      send,
    ]);
    const hint = h('span', { id: 'refdesk-hint', class: 'refdesk-sr-only', text: T.input_hint });
    const counter = h('div', { id: 'refdesk-counter', class: 'refdesk-counter', hidden: true });

    const greeting = renderMessage({ from: 'bot', text: GREETING.text, lang: GREETING.lang, ts: 0 });
    greeting.setAttribute('data-local', 'greeting');
    log.append(greeting);

    for (const msg of messages) {
      const node = renderMessage(msg);
      elOf.set(msg, node);
      if (msg.client_id) byClient.set(msg.client_id, msg);
      log.append(node);
    }
    log.append(typing);

    const fragment = document.createDocumentFragment();
    fragment.append(
      h('div', { class: 'refdesk-logwrap' }, [log, jump]),
      h('div', { class: 'refdesk-footer' }, [
        h('div', { class: 'refdesk-statusbar' }, [status, reset]),
        notice,
        form,
        hint,
        counter,
      ]),
    );
    root.append(fragment);

    ui = { root, log, typing, jump, status, statusText, reset, notice, form, input, send, counter };
    wireComposer();
    wireLog();
    reset.addEventListener('click', startOver);
    setConn('idle');
  }

  function renderMessage(msg) {
    // The message in its own language when the server says it (WCAG 3.1.2), else the
    // page's; the chat's own words around it stay in the page's language.
    const lang = validLang(msg.lang) ? msg.lang : LANG;
    const own = lang === LANG ? null : LANG;
    const node = h('div', { class: 'refdesk-msg', 'data-from': msg.from, lang });
    if (msg.id) node.setAttribute('data-id', msg.id);
    if (msg.client_id) node.setAttribute('data-client-id', msg.client_id);

    if (msg.from === 'bot' || msg.from === 'librarian') {
      // A librarian who chose a display name is shown by it ("Mara · Librarian").
      const who = msg.from === 'librarian' && msg.name ? msg.name + ' \u00b7 ' + T.librarian : T[msg.from];
      node.append(h('div', { class: 'refdesk-label', lang: own }, [icon(msg.from), document.createTextNode(who)]));
    } else {
      node.append(h('span', { class: 'refdesk-sr-only', lang: own, text: (msg.from === 'patron' ? T.you : T.system) + ': ' }));
    }

    const bubble = h('div', { class: 'refdesk-bubble', dir: 'auto' });
    if (msg.from === 'patron') bubble.textContent = msg.text;
    else renderRich(bubble, msg.text);
    node.append(bubble);
    if (msg.from === 'system' && msg.prompt === 'rating') node.append(ratingButtons(msg));

    const time = formatTime(msg.ts);
    if (time || msg.from === 'patron') {
      const meta = h('div', { class: 'refdesk-meta', lang: own });
      if (time) meta.append(h('time', { datetime: new Date(msg.ts).toISOString(), text: time }));
      if (msg.from === 'patron') meta.append(h('span', { class: 'refdesk-state' }));
      node.append(meta);
    }
    if (msg.from === 'patron') paintStatus(node, msg);
    return node;
  }

  /* The end of a chat asks for a rating: five buttons that send the number as the patron's
     reply (the server takes it as the rating; typing the number works the same). */
  function ratingButtons(msg) {
    const group = h('div', { class: 'refdesk-rating', role: 'group', 'aria-label': T.rating_group || 'Rate this chat' });
    const buttons = [];
    for (let n = 1; n <= 5; n++) {
      const b = h('button', {
        type: 'button',
        class: 'refdesk-rate',
        'aria-label': (T.rating_option || '{n} / 5').replace('{n}', String(n)),
        'aria-pressed': msg.rated === n ? 'true' : 'false',
        text: String(n)
      });
      if (msg.rated) b.disabled = true;
      b.addEventListener('click', () => {
        if (msg.rated) return;
        msg.rated = n;
        buttons.forEach((other, i) => {
          other.disabled = true;
          other.setAttribute('aria-pressed', i + 1 === n ? 'true' : 'false');
        });
        scheduleSave();
        sendMessage(String(n));
      });
      buttons.push(b);
      group.append(b);
    }
    return group;
  }

  function paintStatus(node, msg) {
    node.setAttribute('data-status', msg.status);
    if (msg.id) node.setAttribute('data-id', msg.id);
    const state = node.querySelector('.refdesk-state');
    if (!state) return;
    state.setAttribute('data-state', msg.status);
    state.textContent = '';
    if (msg.status === 'delivered') {
      state.append(h('span', { 'aria-hidden': 'true', text: '\u2713' }), h('span', { class: 'refdesk-sr-only', text: T.delivered }));
      state.title = T.delivered;
    } else if (msg.status === 'failed') {
      state.append(T.failed + ' \u00b7 ');
      const retry = h('button', { type: 'button', class: 'refdesk-retry', text: T.retry });
      retry.addEventListener('click', () => {
        msg.status = 'queued';
        paintStatus(node, msg);
        scheduleSave();
        sendPending();
      });
      state.append(retry);
    } else {
      state.textContent = msg.status === 'sent' ? T.sent : T.queued;
      state.removeAttribute('title');
    }
  }

  function refreshStatus(msg) {
    const node = elOf.get(msg);
    if (node) paintStatus(node, msg);
  }

  /* Scrolling: follow new messages while the reader is at the bottom; otherwise offer a
     "New messages" button instead of yanking the view away from what they are reading. */

  let stick = true;
  let lastScrollTop = 0;

  function nearBottom() {
    const log = ui.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  function scrollToBottom(smooth) {
    stick = true;
    ui.jump.hidden = true;
    const top = ui.log.scrollHeight;
    if (smooth && !reducedMotion() && typeof ui.log.scrollTo === 'function') ui.log.scrollTo({ top, behavior: 'smooth' });
    else ui.log.scrollTop = top;
  }

  function wireLog() {
    const log = ui.log;
    log.addEventListener('scroll', () => {
      const top = log.scrollTop;
      if (nearBottom()) { stick = true; ui.jump.hidden = true; } else if (top < lastScrollTop - 2) stick = false;
      lastScrollTop = top;
    }, { passive: true });
    ui.jump.addEventListener('click', () => scrollToBottom(true));
    if (typeof ResizeObserver === 'function') {
      // keyboard opening, textarea growing, panel resizing: keep the newest message in view
      new ResizeObserver(() => { if (stick) scrollToBottom(false); }).observe(log);
    }
  }

  function addMessage(msg, own) {
    messages.push(msg);
    lastActivity = Date.now();
    if (msg.client_id) byClient.set(msg.client_id, msg);
    const node = renderMessage(msg);
    node.classList.add('refdesk-msg--new');
    elOf.set(msg, node);
    const follow = own || stick || nearBottom();
    ui.log.insertBefore(node, ui.typing);

    while (messages.length > MAX_KEEP) {
      const old = messages.shift();
      const oldNode = elOf.get(old);
      if (oldNode) oldNode.remove();
      if (old.client_id) byClient.delete(old.client_id);
    }
    scheduleSave();

    if (follow) scrollToBottom(true);
    else ui.jump.hidden = false;
  }

  function addDivider(text) {
    ui.log.insertBefore(h('div', { class: 'refdesk-divider', role: 'separator', text }), ui.typing);
  }

  let typingTimer = 0;
  function showTyping() {
    if (!ui) return;
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 20000);
    if (stick) scrollToBottom(true);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    if (ui) ui.typing.hidden = true;
  }

  let noticeTimer = 0;
  function showNotice(text) {
    ui.notice.textContent = String(text).slice(0, 300);
    ui.notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { ui.notice.hidden = true; }, 10000);
  }

  /* Composer */

  const fieldSizing = !!(window.CSS && CSS.supports && CSS.supports('field-sizing', 'content'));

  function updateComposer() {
    const input = ui.input;
    const len = input.value.length;
    ui.send.disabled = !input.value.trim();
    if (len >= COUNTER_FROM) {
      ui.counter.hidden = false;
      ui.counter.textContent = len + ' / ' + MAX_LEN;
      ui.counter.setAttribute('data-level', len >= MAX_LEN ? 'max' : 'near');
    } else if (!ui.counter.hidden) {
      ui.counter.hidden = true;
      ui.counter.textContent = '';
    }
    if (!fieldSizing) {
      // CSSOM writes are allowed under style-src 'self' (only style="" attributes are not)
      input.style.height = 'auto';
      input.style.height = Math.min(input.scrollHeight + 2, 160) + 'px';
    }
  }

  function wireComposer() {
    const { input, form } = ui;
    input.addEventListener('input', updateComposer);
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.shiftKey || e.altKey) return;
      if (e.isComposing || e.keyCode === 229) return; // an IME is still composing (CJK input)
      e.preventDefault();
      submit();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit();
    });
    // Keep the keyboard open on phones when the send button is tapped.
    ui.send.addEventListener('mousedown', (e) => e.preventDefault());
  }

  function submit() {
    const text = ui.input.value.replace(/\r\n?/g, '\n').trim().slice(0, MAX_LEN);
    if (!text) return;
    ui.input.value = '';
    updateComposer();
    ui.input.focus();
    sendMessage(text);
  }

  /* ---------------------------------------------------------------- the socket */

  let ws = null;
  let ready = false; // the server has announced the session on this socket
  let wanted = false; // we want to be connected
  let attempt = 0;
  let retryTimer = 0;
  let sessionTimer = 0;
  let openedAt = 0;
  let sentHere = new Set(); // client_ids sent on the current socket
  let inFlight = []; // client_ids sent on this socket and not yet acked, oldest first
  let connState = 'idle';

  function setConn(state) {
    connState = state;
    if (!ui) return;
    let shown = state;
    if (state !== 'ready' && state !== 'idle' && navigator.onLine === false) shown = 'offline';
    ui.status.setAttribute('data-state', shown);
    if (ui.statusText.textContent !== T[shown]) ui.statusText.textContent = T[shown];
  }

  function newestServerId() {
    let max = 0;
    for (const id of seen) {
      if (/^\d{1,15}$/.test(id)) max = Math.max(max, Number(id));
    }
    return max;
  }

  function socketUrl() {
    const lang = HINT ? 'lang=' + encodeURIComponent(HINT) : '';
    if (!session) return WS_URL + (lang ? '?' + lang : '');
    let url = WS_URL + '?session=' + encodeURIComponent(session) + (lang ? '&' + lang : '');
    // The server replays what came after the newest message we have; ids we already
    // show are dropped anyway, so this is only an optimisation.
    const after = convSession === session ? newestServerId() : 0;
    if (after > 0) url += '&after=' + after;
    return url;
  }

  function connect() {
    wanted = true;
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return;

    let sock;
    try {
      sock = new WebSocket(socketUrl());
    } catch (_) {
      ws = null;
      scheduleReconnect();
      return;
    }
    ws = sock;
    ready = false;
    openedAt = 0;
    sentHere = new Set();
    inFlight = [];
    setConn(attempt > 0 ? 'reconnecting' : 'connecting');

    const openTimer = setTimeout(() => {
      if (sock === ws && sock.readyState === WebSocket.CONNECTING) sock.close();
    }, 15000);

    sock.addEventListener('open', () => {
      clearTimeout(openTimer);
      if (sock !== ws) return;
      openedAt = Date.now();
      // The server announces the session first; if it never does, send anyway.
      sessionTimer = setTimeout(() => { if (sock === ws && !ready) becomeReady(); }, 5000);
    });
    sock.addEventListener('message', (event) => {
      if (sock === ws) onFrame(event.data);
    });
    sock.addEventListener('close', () => {
      clearTimeout(openTimer);
      clearTimeout(sessionTimer);
      if (sock !== ws) return;
      ws = null;
      ready = false;
      hideTyping();
      // A connection that lived a while resets the backoff; one that dies at once does not.
      if (openedAt && Date.now() - openedAt > 10000) attempt = 0;
      for (const msg of messages) {
        if (msg.status === 'sent') { msg.status = 'queued'; refreshStatus(msg); }
      }
      if (wanted) scheduleReconnect();
      else setConn('idle');
    });
  }

  function scheduleReconnect() {
    if (!wanted || retryTimer) return;
    const delay = Math.min(BACKOFF_MAX, 1000 * Math.pow(2, attempt));
    attempt = Math.min(attempt + 1, 16);
    setConn('reconnecting');
    retryTimer = setTimeout(() => { retryTimer = 0; connect(); }, delay);
  }

  // Try at once (back online, tab visible again, patron pressed send) instead of waiting.
  function connectNow() {
    if (!wanted || ws) return;
    clearTimeout(retryTimer);
    retryTimer = 0;
    connect();
  }

  function disconnect() {
    wanted = false;
    clearTimeout(retryTimer);
    retryTimer = 0;
    clearTimeout(sessionTimer);
    if (ws) {
      const sock = ws;
      ws = null;
      ready = false;
      try { sock.close(1000); } catch (_) { /* ignore */ }
    }
    hideTyping();
    setConn('idle');
  }

  function becomeReady() {
    clearTimeout(sessionTimer);
    ready = true;
    setConn('ready');
    sendPending();
  }

  function sendPending() {
    if (!ready || !ws || ws.readyState !== WebSocket.OPEN) {
      if (wanted && !ws) connectNow();
      return;
    }
    for (const msg of messages) {
      if (msg.from !== 'patron' || msg.status === 'delivered' || msg.status === 'failed') continue;
      if (sentHere.has(msg.client_id)) continue;
      try {
        ws.send(JSON.stringify({ type: 'message', text: msg.text, client_id: msg.client_id }));
      } catch (_) {
        return; // the socket is closing; the close handler reconnects and we try again
      }
      sentHere.add(msg.client_id);
      inFlight.push(msg.client_id);
      msg.status = 'sent';
      refreshStatus(msg);
    }
    scheduleSave();
  }

  function sendMessage(text) {
    const msg = { from: 'patron', text, ts: Date.now(), client_id: uuid(), status: 'queued' };
    addMessage(msg, true);
    if (!wanted) connect();
    else sendPending();
  }

  function onFrame(data) {
    if (typeof data !== 'string' || data.length > 1000000) return;
    let frame;
    try { frame = JSON.parse(data); } catch (_) { return; }
    if (!frame || typeof frame !== 'object') return;
    switch (frame.type) {
      case 'session': onSession(frame.session); break;
      case 'message': onServerMessage(frame); break;
      case 'ack': onAck(frame); break;
      case 'error': onError(frame); break;
      default: break; // unknown frames are ignored, so the server can add new ones
    }
  }

  function onSession(token) {
    if (!validToken(token)) { becomeReady(); return; }
    if (convSession && convSession !== token) {
      // The server started a new conversation (ours expired or was unknown). Ids from the
      // old one mean nothing any more.
      seen.clear();
      if (messages.length) addDivider(T.new_conversation);
    }
    session = token;
    convSession = token;
    store.set(KEY_SESSION, token);
    scheduleSave();
    becomeReady();
  }

  function idString(id) {
    if (typeof id === 'number' && isFinite(id)) return String(id);
    if (typeof id === 'string' && id.length > 0 && id.length <= 200) return id;
    return null;
  }

  function onServerMessage(frame) {
    const id = idString(frame.id);
    if (id !== null && seen.has(id)) return;
    const from = FROMS.includes(frame.from) ? frame.from : 'system';
    const text = typeof frame.text === 'string' ? frame.text : '';

    // The patron's own message coming back (e.g. from another tab): treat it as an ack.
    if (from === 'patron' && typeof frame.client_id === 'string' && byClient.has(frame.client_id)) {
      onAck({ client_id: frame.client_id, id: frame.id });
      return;
    }
    if (id !== null) {
      seen.add(id);
      if (seen.size > MAX_SEEN * 2) {
        const keep = Array.from(seen).slice(-MAX_SEEN);
        seen.clear();
        keep.forEach((x) => seen.add(x));
      }
    }
    if (!text.trim()) { scheduleSave(); return; }

    // When the server wrote it, so a reply that waited for the patron shows its own time.
    const at = typeof frame.at === 'number' && isFinite(frame.at) && frame.at > 0 ? frame.at : Date.now();
    const msg = { from, text, ts: Math.min(at, Date.now()) };
    if (id !== null) msg.id = id;
    if (validLang(frame.lang)) msg.lang = frame.lang;
    if (from === 'librarian' && typeof frame.name === 'string' && frame.name && [...frame.name].length <= 60) msg.name = frame.name;
    if (from === 'system' && frame.prompt === 'rating') msg.prompt = 'rating';
    if (from === 'patron') {
      msg.client_id = typeof frame.client_id === 'string' && frame.client_id ? frame.client_id : uuid();
      msg.status = 'delivered';
    }
    addMessage(msg, false);
    if (from !== 'patron') {
      hideTyping();
      noteUnread();
    }
  }

  function onAck(frame) {
    if (typeof frame.client_id !== 'string') return;
    inFlight = inFlight.filter((cid) => cid !== frame.client_id);
    const msg = byClient.get(frame.client_id);
    if (!msg) return;
    const id = idString(frame.id);
    msg.status = 'delivered';
    if (id !== null) msg.id = id; // a duplicate is acked with an empty id: keep what we had
    refreshStatus(msg);
    scheduleSave();
    // The assistant usually answers within a moment; show it is on the way. A message to a
    // librarian's ticket gets no automatic answer: no dots then.
    if (messages[messages.length - 1] === msg && frame.with_librarian !== true) showTyping();
  }

  function onError(frame) {
    const text = typeof frame.message === 'string' && frame.message.trim() ? frame.message : T.generic_error;
    // The server answers each message with an ack or an error, in order: an error now is
    // about the oldest message still waiting for its ack.
    const cid = inFlight.shift();
    const msg = cid ? byClient.get(cid) : null;
    if (msg && msg.status !== 'delivered') {
      msg.status = 'failed';
      refreshStatus(msg);
      scheduleSave();
    }
    hideTyping();
    showNotice(text);
  }

  /* ------------------------------------------------------------- start over */

  function startOver() {
    if (!window.confirm(T.confirm_start_over)) return;
    disconnect();
    store.remove(KEY_SESSION);
    store.remove(KEY_TRANSCRIPT);
    clearTimeout(saveTimer);
    saveTimer = 0;
    dirty = false;
    session = null;
    convSession = null;
    messages = [];
    seen.clear();
    byClient.clear();
    attempt = 0;
    for (const node of Array.from(ui.log.children)) {
      if (node !== ui.typing && node.getAttribute('data-local') !== 'greeting') node.remove();
    }
    ui.notice.hidden = true;
    ui.input.value = '';
    updateComposer();
    connect();
    ui.input.focus();
  }

  /* ------------------------------------------------------------ lifecycle */

  let unreadHidden = 0;
  const baseTitle = document.title;
  let onUnread = () => {};

  function noteUnread() {
    onUnread();
    if (MODE === 'page' && document.hidden) {
      unreadHidden++;
      document.title = '(' + unreadHidden + ') ' + baseTitle;
    }
  }

  function wireLifecycle() {
    window.addEventListener('online', () => { attempt = 0; connectNow(); setConn(connState); });
    window.addEventListener('offline', () => setConn(connState));
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) { saveNow(); return; }
      if (unreadHidden) { unreadHidden = 0; document.title = baseTitle; }
      connectNow();
    });
    // Close the socket when the page goes away (this also lets the back/forward cache keep
    // the page) and reconnect if it comes back from that cache.
    window.addEventListener('pagehide', () => {
      saveNow();
      const keep = wanted;
      disconnect();
      wanted = keep;
    });
    window.addEventListener('pageshow', (e) => {
      if (e.persisted && wanted) { attempt = 0; connect(); }
    });
  }

  // On phones the on-screen keyboard shrinks the visual viewport but not the layout one;
  // expose its size so the composer can stay above the keyboard.
  function trackViewport(target) {
    const vv = window.visualViewport;
    if (!vv) return;
    const update = () => {
      if (vv.scale > 1.01) {
        target.classList.remove('refdesk-has-vv');
        return;
      }
      target.style.setProperty('--refdesk-vv-height', Math.round(vv.height) + 'px');
      target.style.setProperty('--refdesk-vv-top', Math.round(vv.offsetTop) + 'px');
      target.classList.add('refdesk-has-vv');
    };
    vv.addEventListener('resize', update);
    vv.addEventListener('scroll', update);
    update();
  }

  /* ------------------------------------------------------------ page mode */

  function startPage() {
    const root = document.getElementById('refdesk-chat');
    if (!root) {
      if (window.console) console.warn('refdesk: no <main id="refdesk-chat"> on this page');
      return;
    }
    root.textContent = '';
    root.classList.add('refdesk-root--page');
    buildChat(root);
    trackViewport(document.body);
    wireLifecycle();
    requestAnimationFrame(() => scrollToBottom(false));
    // Focus the box on desktop; on phones that would pop the keyboard over the greeting.
    if (window.matchMedia && window.matchMedia('(hover: hover) and (pointer: fine)').matches) ui.input.focus();
    connect();
  }

  /* ---------------------------------------------------------- widget mode */

  // Widget-only rules; the shared component rules come from /chat-component.css, loaded
  // first so these can override them.
  const WIDGET_CSS = `


/* ---- widget-only rules: launcher button, floating panel, panel header ---- */

:host {
  all: initial;
}

[hidden] {
  display: none !important;
}

.refdesk-launcher {
  position: fixed;
  right: calc(20px + env(safe-area-inset-right, 0px));
  bottom: calc(20px + env(safe-area-inset-bottom, 0px));
  z-index: 2147483000;
  display: grid;
  place-items: center;
  width: 60px;
  height: 60px;
  margin: 0;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: var(--rd-accent, #1b4f8f);
  color: var(--rd-on-accent, #ffffff);
  box-shadow: 0 6px 18px rgba(10, 25, 50, 0.3), 0 2px 4px rgba(10, 25, 50, 0.2);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  cursor: pointer;
  transition: transform 0.15s ease, background-color 0.15s ease;
  -webkit-tap-highlight-color: transparent;
}

.refdesk-launcher:hover {
  background: var(--rd-accent-hover, #143e72);
  transform: scale(1.05);
}

.refdesk-launcher:focus {
  outline: none;
}

.refdesk-launcher:focus-visible {
  box-shadow: 0 0 0 3px #ffffff, 0 0 0 6px #1a64d6;
}

.refdesk-launcher svg {
  width: 28px;
  height: 28px;
}

.refdesk-badge {
  position: absolute;
  top: 3px;
  right: 3px;
  width: 14px;
  height: 14px;
  border: 2px solid #ffffff;
  border-radius: 50%;
  background: #d92d20;
}

.refdesk-panel {
  position: fixed;
  right: calc(20px + env(safe-area-inset-right, 0px));
  bottom: calc(92px + env(safe-area-inset-bottom, 0px));
  z-index: 2147483000;
  width: 380px;
  max-width: calc(100vw - 40px);
  height: 620px;
  max-height: calc(100vh - 120px);
  overflow: hidden;
  border: 1px solid var(--rd-border);
  border-radius: 16px;
  box-shadow: 0 16px 48px rgba(10, 25, 50, 0.28);
  animation: refdesk-pop 0.16s ease-out;
}

@keyframes refdesk-pop {
  from { opacity: 0; transform: translateY(10px) scale(0.98); }
  to { opacity: 1; transform: none; }
}

.refdesk-whead {
  display: flex;
  flex: none;
  align-items: flex-start;
  gap: 8px;
  padding: 12px 8px 12px 16px;
  background: var(--rd-head-bg);
  color: var(--rd-head-text);
}

.refdesk-whead-text {
  flex: 1 1 auto;
  min-width: 0;
}

.refdesk-title {
  margin: 0;
  color: inherit;
  font-size: 1em;
  font-weight: 700;
  line-height: 1.3;
}

.refdesk-subtitle {
  margin: 2px 0 0;
  color: var(--rd-head-sub);
  font-size: 0.8em;
  line-height: 1.35;
}

.refdesk-close {
  display: grid;
  flex: none;
  place-items: center;
  width: 40px;
  height: 40px;
  margin: -4px 0;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: transparent;
  color: inherit;
  cursor: pointer;
}

.refdesk-close:hover {
  background: rgba(255, 255, 255, 0.14);
}

.refdesk-close svg {
  width: 20px;
  height: 20px;
}

.refdesk-whead :focus-visible {
  outline-color: #ffffff;
}

@media (max-width: 520px), (max-height: 520px) {
  .refdesk-panel {
    top: 0;
    right: 0;
    bottom: auto;
    left: 0;
    width: 100%;
    max-width: none;
    height: 100%;
    max-height: none;
    border: 0;
    border-radius: 0;
  }
  .refdesk-panel.refdesk-has-vv {
    top: var(--refdesk-vv-top);
    height: var(--refdesk-vv-height);
  }
  .refdesk-widget.is-open .refdesk-launcher {
    display: none;
  }
}

@media (prefers-reduced-motion: reduce) {
  .refdesk-launcher,
  .refdesk-panel {
    animation: none;
    transition: none;
  }
}

@media (forced-colors: active) {
  .refdesk-launcher { border: 2px solid ButtonText; }
}

@media print {
  .refdesk-widget { display: none; }
}
`;

  // The component rules are fetched from the refdesk server (the same origin the socket
  // uses, so a host page that allows the socket allows this) and applied as a constructed
  // sheet, which a host page's style-src policy does not block.
  function adoptStyles(shadow) {
    const apply = (componentCss) => {
      const text = componentCss + '\n' + WIDGET_CSS;
      try {
        if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(text);
          shadow.adoptedStyleSheets = [sheet];
          return;
        }
      } catch (_) { /* fall back to a <style> element */ }
      const style = document.createElement('style');
      style.textContent = text;
      shadow.append(style);
    };
    apply('');
    const sheet = (path) => fetch(new URL(path, BASE).href, { credentials: 'omit' })
      .then((r) => (r.ok ? r.text() : ''))
      .catch(() => '');
    // The library's colours (theme.css) come after the component rules they override.
    Promise.all([sheet('/chat-component.css'), sheet('/chat/theme.css')])
      .then(([component, theme]) => { if (component) apply(component + '\n' + theme); });
  }

  function startWidget() {
    const host = document.createElement('div');
    host.id = 'refdesk-widget';
    // The host site may be in another language: the widget says which one it speaks.
    host.lang = LANG;
    host.dir = DIR;
    const shadow = host.attachShadow({ mode: 'open' });
    adoptStyles(shadow);

    const wrapper = h('div', { class: 'refdesk-widget' });
    const panel = h('div', {
      id: 'refdesk-panel',
      class: 'refdesk-panel',
      role: 'dialog',
      'aria-modal': 'false',
      'aria-labelledby': 'refdesk-title',
      hidden: true,
    });
    const close = h('button', { type: 'button', class: 'refdesk-close', 'aria-label': T.close, title: T.close }, [icon('close')]);
    panel.append(h('div', { class: 'refdesk-whead' }, [
      h('div', { class: 'refdesk-whead-text' }, [
        h('h2', { id: 'refdesk-title', class: 'refdesk-title', text: T.title }),
        h('p', { class: 'refdesk-subtitle', text: T.subtitle }),
      ]),
      close,
    ]));

    const badge = h('span', { class: 'refdesk-badge', 'aria-hidden': 'true', hidden: true });
    const launcher = h('button', {
      type: 'button',
      class: 'refdesk-launcher',
      'aria-label': T.launcher,
      title: T.launcher,
      'aria-expanded': 'false',
      'aria-controls': 'refdesk-panel',
    }, [icon('chat'), badge]);

    wrapper.append(panel, launcher);
    shadow.append(wrapper);
    document.body.append(host);

    buildChat(panel);
    trackViewport(panel);
    wireLifecycle();

    let isOpen = false;
    const setUnread = (on) => {
      badge.hidden = !on;
      launcher.setAttribute('aria-label', on ? T.launcher_unread : T.launcher);
    };
    onUnread = () => { if (!isOpen) setUnread(true); };

    const open = (focus) => {
      isOpen = true;
      panel.hidden = false;
      wrapper.classList.add('is-open');
      launcher.setAttribute('aria-expanded', 'true');
      setUnread(false);
      sessionFlag(KEY_OPEN, true);
      if (!wanted) connect();
      requestAnimationFrame(() => {
        scrollToBottom(false);
        if (focus) ui.input.focus();
      });
    };
    const shut = () => {
      isOpen = false;
      panel.hidden = true;
      wrapper.classList.remove('is-open');
      launcher.setAttribute('aria-expanded', 'false');
      sessionFlag(KEY_OPEN, false);
      launcher.focus();
    };

    launcher.addEventListener('click', () => (isOpen ? shut() : open(true)));
    close.addEventListener('click', shut);
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.stopPropagation(); shut(); }
    });

    // Stay open across page loads of the host site within the same tab.
    if (sessionFlag(KEY_OPEN)) open(false);
    // Reconnect by itself only for a recent conversation, so a librarian's reply can still
    // arrive; otherwise wait until the patron opens the chat.
    else if (session && messages.length && Date.now() - lastActivity < 24 * 3600 * 1000) connect();
  }

  /* ---------------------------------------------------------------- start */

  function pageConfig() {
    const node = document.getElementById('refdesk-config');
    try { return JSON.parse(node ? node.textContent : 'null'); } catch (_) { return null; }
  }

  function start() {
    if (MODE === 'page') {
      if (configure(pageConfig())) startPage();
      else if (window.console) console.warn('refdesk: the page has no usable #refdesk-config');
      return;
    }
    const url = new URL('/chat/config', BASE);
    url.searchParams.set('langs', browserLanguages().join(','));
    fetch(url.href, { credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : null))
      .then((config) => {
        if (configure(config)) startWidget();
        else throw new Error('unusable settings');
      })
      .catch((e) => {
        if (window.console) console.warn('refdesk: cannot load the chat settings from ' + url.origin + ': ' + e);
      });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
})();
