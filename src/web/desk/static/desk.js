/* refdesk — librarian desk behaviour. Plain script, no build step, no external resources.
   Loaded with `defer` under script-src 'self'. Patron text only ever reaches the page through
   textContent and DOM properties, never as markup. */
(function () {
  'use strict';

  var body = document.body;
  if (!body) {
    return;
  }
  var page = body.getAttribute('data-page') || '';
  // WCAG 2.1.4: a librarian can turn single-key shortcuts off (account page).
  var singleKeys = body.getAttribute('data-shortcuts') !== 'off';

  var EVENTS_URL = '/api/v1/events';
  var TICKETS_URL = '/api/v1/tickets';
  var TICKET_PAGE = '/desk/tickets/';
  var QUEUE_FALLBACK = '/desk';
  var TICK_MS = 30000;
  var G_WINDOW_MS = 1500;

  var platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
  var isMac = /mac|iphone|ipad|ipod/i.test(platform);

  // ---- small helpers -------------------------------------------------------------------

  // Server-rendered times are UTC; show them in the librarian's own time zone, as the
  // live-updated parts do.
  function localizeTimes() {
    var today = new Date().toDateString();
    all('time.local-time[data-ms]').forEach(function (node) {
      var ms = Number(node.getAttribute('data-ms'));
      if (!isFinite(ms) || ms <= 0) {
        return;
      }
      var when = new Date(ms);
      var options = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
      if (when.toDateString() !== today) {
        options.day = 'numeric';
        options.month = 'short';
      }
      try {
        node.textContent = new Intl.DateTimeFormat(undefined, options).format(when);
      } catch (e) {
        node.textContent = when.toLocaleString();
      }
      node.setAttribute('datetime', when.toISOString());
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  // refdesk's Markdown subset, as the patron's chat shows it: paragraphs, line breaks,
  // "- " lists, **bold**, *italic*, [text](http…) and bare links. Built from DOM nodes:
  // the text never becomes markup.
  var INLINE = /\[([^\[\]\n]{1,500})\]\((https?:\/\/[^\s()<>]+)\)|(https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)])|\*\*(?=\S)([^\n]*?\S)\*\*|(^|[\s(])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g;

  function appendInline(parent, text) {
    var last = 0;
    var m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(text)) !== null) {
      var prefix = m[5] || '';
      var start = m.index + prefix.length;
      if (start > last) {
        parent.appendChild(document.createTextNode(text.slice(last, start)));
      }
      if (m[2] !== undefined || m[3] !== undefined) {
        var a = document.createElement('a');
        a.href = m[2] !== undefined ? m[2] : m[3];
        a.rel = 'noopener noreferrer';
        a.target = '_blank';
        a.textContent = m[2] !== undefined ? m[1] : m[3];
        parent.appendChild(a);
      } else if (m[4] !== undefined) {
        parent.appendChild(el('strong', '', m[4]));
      } else if (m[6] !== undefined) {
        parent.appendChild(el('em', '', m[6]));
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  function renderMarkdown(node, text) {
    node.textContent = '';
    var para = null;
    var list = null;
    String(text).replace(/\r\n?/g, '\n').split('\n').forEach(function (raw) {
      var line = raw.replace(/\s+$/, '');
      if (!line) {
        para = null;
        list = null;
        return;
      }
      var bullet = /^\s{0,3}[-*\u2022]\s+(.+)$/.exec(line);
      if (bullet) {
        para = null;
        if (!list) {
          list = document.createElement('ul');
          node.appendChild(list);
        }
        var li = document.createElement('li');
        appendInline(li, bullet[1]);
        list.appendChild(li);
        return;
      }
      list = null;
      if (para) {
        para.appendChild(document.createElement('br'));
      } else {
        para = document.createElement('p');
        node.appendChild(para);
      }
      appendInline(para, line.replace(/^\s+/, ''));
    });
  }

  function renderAllMarkdown(root) {
    all('.md', root).forEach(function (node) {
      if (node.getAttribute('data-rendered') !== '1') {
        renderMarkdown(node, node.textContent);
        node.setAttribute('data-rendered', '1');
      }
    });
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  var announceTimer = 0;
  /** Says something to screen readers through the polite live region. */
  function announce(text) {
    var region = byId('announcer');
    if (!region) {
      return;
    }
    window.clearTimeout(announceTimer);
    region.textContent = '';
    // A short gap makes the same sentence, said twice, be read twice.
    announceTimer = window.setTimeout(function () {
      region.textContent = text;
    }, 120);
  }

  function isTypingTarget(node) {
    if (!node || node.nodeType !== 1) {
      return false;
    }
    if (node.isContentEditable) {
      return true;
    }
    var tag = node.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
  }

  /** Submits a form the way a click on its button would: validation and submit handlers run. */
  function submitWith(form, button) {
    if (!form) {
      return;
    }
    if (button) {
      button.click();
    } else if (typeof form.requestSubmit === 'function') {
      form.requestSubmit();
    } else {
      var first = form.querySelector('button[type="submit"], button:not([type])');
      if (first) {
        first.click();
      }
    }
  }

  function clickIfPresent(id, missingMessage) {
    var button = byId(id);
    if (button && !button.disabled) {
      button.click();
    } else if (missingMessage) {
      announce(missingMessage);
    }
  }

  function caretToEnd(field) {
    var end = field.value.length;
    try {
      field.setSelectionRange(end, end);
    } catch (e) {
      /* not a text field */
    }
    field.scrollTop = field.scrollHeight;
  }

  function queueUrl() {
    var link = document.querySelector('a[data-nav="queue"]');
    return link ? link.href : QUEUE_FALLBACK;
  }

  // ---- forms: one submission, confirmations, unsaved work ------------------------------

  var leaving = false;

  /** What would be lost by leaving the page, except what `except` (a form) is sending. */
  function unsavedWork(except) {
    var reply = byId('reply-text');
    if (reply && reply.form !== except && reply.value.trim() !== '') {
      return 'Your unsent reply';
    }
    var note = byId('note');
    if (note && note.form !== except && note.value.trim() !== '') {
      return 'Your unsaved staff note';
    }
    return '';
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || ev.defaultPrevented) {
      return;
    }
    if (form.getAttribute('data-submitting') === '1') {
      ev.preventDefault();
      return;
    }
    var question = form.getAttribute('data-confirm') || '';
    var lost = unsavedWork(form);
    if (lost) {
      question = (question ? question + '\n\n' : '') + lost + ' will be lost. Continue?';
    }
    if (question && !window.confirm(question)) {
      ev.preventDefault();
      return;
    }
    form.setAttribute('data-submitting', '1');
    leaving = true;
    // Disabled after the form data is taken, so a double click sends once.
    window.setTimeout(function () {
      all('button', form).forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) {
      return;
    }
    // Back from the history cache: the forms must work again.
    leaving = false;
    all('form[data-submitting]').forEach(function (form) {
      form.removeAttribute('data-submitting');
      all('button', form).forEach(function (button) {
        button.disabled = false;
      });
    });
  });

  // "Repeat the password" fields: data-match names the field they must equal.
  all('input[data-match]').forEach(function (repeat) {
    var original = byId(repeat.getAttribute('data-match'));
    if (!original) {
      return;
    }
    function check() {
      repeat.setCustomValidity(repeat.value !== '' && repeat.value !== original.value ? 'The passwords do not match.' : '');
    }
    repeat.addEventListener('input', check);
    original.addEventListener('input', check);
  });

  // Shortcut hints name the keys of this computer.
  if (isMac) {
    all('[title*="Ctrl+"]').forEach(function (node) {
      node.title = node.title.split('Ctrl+').join('⌘+');
    });
    all('kbd.kbd-mod').forEach(function (node) {
      node.textContent = '⌘';
    });
  }

  // ---- live updates --------------------------------------------------------------------

  function setLiveStatus(state, text) {
    var node = byId('live-status');
    if (!node) {
      return;
    }
    node.hidden = false;
    node.setAttribute('data-state', state);
    node.textContent = text;
  }

  /**
   * Listens to the desk's event stream. onEvent gets each parsed event; onResume is called when
   * the stream comes back after a break, since events may have been missed meanwhile.
   */
  function listen(onEvent, onResume) {
    var source = null;
    var retryTimer = 0;
    var backoff = 2000;
    var broken = false;
    var stopped = false;

    if (typeof window.EventSource !== 'function') {
      setLiveStatus('down', 'Live updates are not available in this browser; the page refreshes every 30 s.');
      return { live: function () { return false; }, stop: function () {}, restart: function () {} };
    }

    function open() {
      window.clearTimeout(retryTimer);
      source = new window.EventSource(EVENTS_URL);
      source.onopen = function () {
        backoff = 2000;
        setLiveStatus('live', 'Live');
        if (broken) {
          broken = false;
          onResume();
        }
      };
      source.onmessage = function (ev) {
        var data;
        try {
          data = JSON.parse(ev.data);
        } catch (e) {
          return;
        }
        if (data && typeof data === 'object') {
          onEvent(data);
        }
      };
      source.onerror = function () {
        broken = true;
        if (source.readyState === window.EventSource.CLOSED) {
          // The browser gave up (the server refused or is gone): try again, more slowly each time.
          source.close();
          setLiveStatus('down', 'Live updates paused; trying again…');
          if (!stopped) {
            retryTimer = window.setTimeout(open, backoff);
            backoff = Math.min(backoff * 2, 60000);
          }
        } else {
          setLiveStatus('down', 'Reconnecting…');
        }
      };
    }

    open();
    return {
      live: function () {
        return !!source && source.readyState === window.EventSource.OPEN;
      },
      stop: function () {
        stopped = true;
        window.clearTimeout(retryTimer);
        if (source) {
          source.close();
        }
      },
      restart: function () {
        stopped = false;
        broken = true;
        if (source) {
          source.close();
        }
        open();
      }
    };
  }

  function keepAcrossHistory(stream) {
    window.addEventListener('pagehide', function () {
      stream.stop();
    });
    window.addEventListener('pageshow', function (ev) {
      if (ev.persisted) {
        stream.restart();
      }
    });
  }

  // ---- keyboard help -------------------------------------------------------------------

  function toggleHelp(forceOpen) {
    var help = byId('shortcuts');
    if (!help) {
      return;
    }
    var open = forceOpen === undefined ? !help.open : forceOpen;
    help.open = open;
    if (open) {
      var summary = help.querySelector('summary');
      help.scrollIntoView({ block: 'nearest' });
      if (summary) {
        summary.focus();
      }
    }
  }

  // ---- queue page ----------------------------------------------------------------------

  function queuePage() {
    var queue = byId('queue');
    if (!queue) {
      return null;
    }
    var table = queue.querySelector('table');
    var tbody = queue.querySelector('tbody');
    var empty = queue.querySelector('.empty-state');
    var status = queue.getAttribute('data-status') || 'open';
    var me = queue.getAttribute('data-me') || '';
    var reminderMinutes = parseInt(queue.getAttribute('data-reminder-minutes'), 10);
    var reminderMs = (isFinite(reminderMinutes) && reminderMinutes > 0 ? reminderMinutes : 10) * 60000;
    var serverNow = parseInt(queue.getAttribute('data-server-now') || '', 10);
    var skew = isFinite(serverNow) ? serverNow - Date.now() : 0;
    var selectedId = '';
    var baseTitle = document.title;
    var unseen = 0;
    var flashTimer = 0;
    var fetching = false;
    var fetchAgain = false;
    var newTickets = [];
    var stream = null;
    // The rows shown when the page opened (and since): a row not among them is new.
    var known = {};
    var freshUntil = {};
    all('.ticket-row', tbody).forEach(function (row) {
      known[row.getAttribute('data-ticket-id')] = true;
    });

    function now() {
      return Date.now() + skew;
    }

    function waitingText(ms) {
      var minutes = Math.max(0, Math.floor(ms / 60000));
      if (minutes < 1) {
        return 'under 1 min';
      }
      if (minutes < 60) {
        return minutes + ' min';
      }
      var hours = Math.floor(minutes / 60);
      var restMinutes = minutes % 60;
      if (hours < 24) {
        return restMinutes ? hours + ' h ' + restMinutes + ' min' : hours + ' h';
      }
      var days = Math.floor(hours / 24);
      var restHours = hours % 24;
      return restHours ? days + ' d ' + restHours + ' h' : days + ' d';
    }

    function clockText(ms) {
      var when = new Date(ms);
      var today = new Date(now());
      var options = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
      if (when.toDateString() !== today.toDateString()) {
        options.day = 'numeric';
        options.month = 'short';
      }
      try {
        return new Intl.DateTimeFormat(undefined, options).format(when);
      } catch (e) {
        return when.toLocaleString();
      }
    }

    /** Waiting time and overdue mark of one row, from its data attributes. */
    function refreshRow(row, at) {
      var opened = Number(row.getAttribute('data-opened-at'));
      if (!isFinite(opened) || opened <= 0) {
        return;
      }
      var waited = at - opened;
      var text = row.querySelector('.waiting-text');
      var resolvedAt = Number(row.getAttribute('data-resolved-at') || '');
      if (text) {
        text.textContent = row.getAttribute('data-status') === 'resolved' && isFinite(resolvedAt) && resolvedAt > 0 ?
          'resolved ' + waitingText(at - resolvedAt) + ' ago' : waitingText(waited);
      }
      var overdue = row.getAttribute('data-status') === 'open' &&
        row.getAttribute('data-assigned') !== '1' &&
        waited > reminderMs;
      row.classList.toggle('overdue', overdue);
      var flag = row.querySelector('.overdue-flag');
      if (flag) {
        flag.hidden = !overdue;
      }
    }

    function refreshTimes() {
      var at = now();
      all('.ticket-row', tbody).forEach(function (row) {
        refreshRow(row, at);
      });
    }

    /** One row, the same markup as queue.html renders. */
    function buildRow(ticket) {
      var id = String(ticket.id);
      var text = function (v) { return v === null || v === undefined ? '' : String(v); };
      var channel = text(ticket.channel);
      var assignee = text(ticket.assignee);
      var question = text(ticket.question);
      var last = text(ticket.last_message);
      var lang = text(ticket.language || ticket.lang);
      var opened = Number(ticket.opened_at);
      var resolved = Number(ticket.resolved_at);

      var row = el('tr', 'ticket-row');
      row.setAttribute('data-ticket-id', id);
      row.setAttribute('data-opened-at', isFinite(opened) ? String(opened) : '');
      if (ticket.status === 'resolved' && isFinite(resolved) && resolved > 0) {
        row.setAttribute('data-resolved-at', String(resolved));
      }
      row.setAttribute('data-status', String(ticket.status || ''));
      row.setAttribute('data-assigned', assignee ? '1' : '0');

      var questionCell = el('td', 'cell-question');
      var link = el('a', 'ticket-link');
      link.href = TICKET_PAGE + encodeURIComponent(id);
      link.appendChild(el('span', 'ticket-number', '#' + id));
      link.appendChild(document.createTextNode(' '));
      var q = el('span', 'question-text', question || '(no text)');
      if (lang) {
        q.setAttribute('lang', lang);
      }
      link.appendChild(q);
      questionCell.appendChild(link);
      if (last && last !== question) {
        var lastText = el('span', 'last-message');
        lastText.appendChild(el('span', 'visually-hidden', 'Latest message: '));
        lastText.appendChild(document.createTextNode(last));
        if (lang) {
          lastText.setAttribute('lang', lang);
        }
        questionCell.appendChild(document.createTextNode(' '));
        questionCell.appendChild(lastText);
      }
      if (ticket.out_of_hours) {
        questionCell.appendChild(el('span', 'badge ooh-badge', 'Out of hours'));
      }
      if (ticket.follows) {
        questionCell.appendChild(el('span', 'badge follow-badge', 'Follows #' + ticket.follows));
      }
      if (ticket.rating) {
        questionCell.appendChild(el('span', 'badge rating-badge', 'Rated ' + ticket.rating + '/5'));
      }

      var channelCell = el('td', 'cell-channel');
      var badge = el('span', 'badge channel-badge', channel);
      badge.setAttribute('data-channel', channel);
      channelCell.appendChild(badge);

      var langCell = el('td', 'cell-lang');
      if (lang) {
        langCell.appendChild(el('abbr', 'badge lang-badge', lang));
      } else {
        langCell.appendChild(el('span', 'muted', '–'));
      }

      var waitingCell = el('td', 'cell-waiting');
      waitingCell.appendChild(el('span', 'waiting-text', ''));
      waitingCell.appendChild(document.createTextNode(' '));
      waitingCell.appendChild(el('span', 'since', isFinite(opened) ? 'since ' + clockText(opened) : ''));
      waitingCell.appendChild(document.createTextNode(' '));
      var flag = el('span', 'overdue-flag', 'Overdue');
      flag.hidden = true;
      waitingCell.appendChild(flag);

      var assigneeCell = el('td', 'cell-assignee');
      if (assignee) {
        assigneeCell.appendChild(document.createTextNode(assignee));
        if (me && assignee === me) {
          assigneeCell.appendChild(document.createTextNode(' '));
          assigneeCell.appendChild(el('span', 'muted', '(you)'));
        }
      } else {
        assigneeCell.appendChild(el('span', 'muted', 'Unassigned'));
      }

      row.appendChild(questionCell);
      row.appendChild(channelCell);
      row.appendChild(langCell);
      row.appendChild(waitingCell);
      row.appendChild(assigneeCell);
      if (!known[id]) {
        freshUntil[id] = Date.now() + 60000;
      }
      if (freshUntil[id] > Date.now()) {
        // Arrived while the page was open: highlighted for a minute.
        row.classList.add('row-new');
      }
      refreshRow(row, now());
      return row;
    }

    function render(tickets) {
      var hadFocus = tbody.contains(document.activeElement);
      var oldRows = all('.ticket-row', tbody);
      var oldIndex = -1;
      oldRows.forEach(function (row, i) {
        if (row.getAttribute('data-ticket-id') === selectedId) {
          oldIndex = i;
        }
      });

      var fragment = document.createDocumentFragment();
      tickets.forEach(function (ticket) {
        if (ticket && ticket.id !== undefined && ticket.id !== null) {
          fragment.appendChild(buildRow(ticket));
        }
      });
      tbody.textContent = '';
      tbody.appendChild(fragment);
      tickets.forEach(function (ticket) {
        if (ticket && ticket.id !== undefined && ticket.id !== null) {
          known[String(ticket.id)] = true;
        }
      });

      var rows = all('.ticket-row', tbody);
      table.hidden = rows.length === 0;
      if (empty) {
        empty.hidden = rows.length !== 0;
      }

      // Keep the selection on the same question, or near where it was if it left the list.
      var target = null;
      if (selectedId) {
        target = tbody.querySelector('.ticket-row[data-ticket-id="' + cssEscape(selectedId) + '"]');
        if (!target && oldIndex >= 0 && rows.length) {
          target = rows[Math.min(oldIndex, rows.length - 1)];
        }
      }
      if (target) {
        select(target, hadFocus, false);
      } else {
        selectedId = '';
        if (hadFocus) {
          byId('main').focus();
        }
      }
    }

    function cssEscape(value) {
      if (window.CSS && typeof window.CSS.escape === 'function') {
        return window.CSS.escape(value);
      }
      return String(value).replace(/[^a-zA-Z0-9_-]/g, '\\$&');
    }

    function sessionEnded() {
      if (stream) {
        stream.stop();
      }
      setLiveStatus('down', 'You have been signed out. Reload the page to sign in again.');
      announce('You have been signed out. Reload the page to sign in again.');
    }

    function announceNew() {
      var ids = newTickets;
      newTickets = [];
      ids.forEach(function (id) {
        var row = tbody.querySelector('.ticket-row[data-ticket-id="' + cssEscape(id) + '"]');
        var badge = row ? row.querySelector('.channel-badge') : null;
        var channel = badge ? badge.textContent : '';
        announce(channel ? 'New question from ' + channel : 'New question');
      });
    }

    function refresh() {
      if (fetching) {
        fetchAgain = true;
        return;
      }
      fetching = true;
      refreshCounts();
      window.fetch(TICKETS_URL + listQuery(), {
        method: 'GET',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrfToken() }
      }).then(function (response) {
        if (response.status === 401 || response.status === 403) {
          sessionEnded();
          return null;
        }
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      }).then(function (list) {
        if (Array.isArray(list)) {
          render(list);
          announceNew();
        }
      }).catch(function () {
        setLiveStatus('down', 'Could not refresh the queue; trying again shortly.');
      }).then(function () {
        fetching = false;
        if (fetchAgain) {
          fetchAgain = false;
          refresh();
        }
      });
    }

    /** The API query for what this page shows: its tab and its filters. */
    function listQuery() {
      var here = new URLSearchParams(window.location.search);
      var out = new URLSearchParams();
      out.set('status', status);
      ['q', 'channel'].forEach(function (name) {
        if (here.get(name)) {
          out.set(name, here.get(name));
        }
      });
      var assignee = here.get('assignee');
      if (assignee) {
        out.set('assignee', assignee === 'mine' ? 'me' : assignee);
      }
      if (here.get('lang')) {
        out.set('language', here.get('lang'));
      }
      return '?' + out.toString();
    }

    function refreshCounts() {
      apiJson('GET', TICKETS_URL + '/counts').then(function (r) {
        if (!r.ok) {
          return;
        }
        all('.tab-count[data-count]').forEach(function (node) {
          var value = r.data[node.getAttribute('data-count')];
          if (typeof value === 'number') {
            node.textContent = String(value);
          }
        });
      }).catch(function () { /* the next refresh tries again */ });
    }

    function flashTitle() {
      unseen += 1;
      var flashed = '(' + unseen + ') New question · ' + baseTitle;
      var ticks = 0;
      window.clearInterval(flashTimer);
      document.title = flashed;
      flashTimer = window.setInterval(function () {
        ticks += 1;
        if (ticks >= 6) {
          window.clearInterval(flashTimer);
          if (document.hidden) {
            document.title = flashed; // stays until the librarian comes back to the tab
          } else {
            document.title = baseTitle;
            unseen = 0;
          }
          return;
        }
        document.title = ticks % 2 === 0 ? flashed : baseTitle;
      }, 1000);
    }

    document.addEventListener('visibilitychange', function () {
      if (!document.hidden && unseen) {
        window.clearInterval(flashTimer);
        unseen = 0;
        document.title = baseTitle;
      }
    });

    function onEvent(data) {
      if (data.kind === 'new_ticket') {
        if (data.ticket_id !== undefined && data.ticket_id !== null) {
          newTickets.push(String(data.ticket_id));
        }
        flashTitle();
      }
      refresh();
    }

    // Selection, for j / k / Enter.
    function select(row, focus, scroll) {
      all('.ticket-row.selected', tbody).forEach(function (other) {
        if (other !== row) {
          other.classList.remove('selected');
        }
      });
      if (!row) {
        selectedId = '';
        return;
      }
      row.classList.add('selected');
      selectedId = row.getAttribute('data-ticket-id') || '';
      var link = row.querySelector('.ticket-link');
      if (focus && link) {
        link.focus({ preventScroll: true });
      }
      if (scroll !== false) {
        row.scrollIntoView({ block: 'nearest' });
      }
    }

    function move(step) {
      var rows = all('.ticket-row', tbody);
      if (!rows.length) {
        announce('No questions in this list.');
        return;
      }
      var index = -1;
      rows.forEach(function (row, i) {
        if (row.getAttribute('data-ticket-id') === selectedId) {
          index = i;
        }
      });
      if (index < 0) {
        index = step > 0 ? 0 : rows.length - 1;
      } else {
        index = Math.min(rows.length - 1, Math.max(0, index + step));
      }
      select(rows[index], true);
    }

    function openSelected() {
      var row = selectedId ? tbody.querySelector('.ticket-row[data-ticket-id="' + cssEscape(selectedId) + '"]') : null;
      var link = row ? row.querySelector('.ticket-link') : null;
      if (link) {
        window.location.href = link.href;
        return true;
      }
      return false;
    }

    // A click anywhere on a row opens it (links keep their own behaviour, text stays selectable).
    tbody.addEventListener('click', function (ev) {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) {
        return;
      }
      var target = ev.target instanceof Element ? ev.target : null;
      if (!target || target.closest('a, button, input, select, textarea, summary')) {
        return;
      }
      var picked = window.getSelection ? String(window.getSelection()) : '';
      if (picked) {
        return;
      }
      var row = target.closest('.ticket-row');
      var link = row ? row.querySelector('.ticket-link') : null;
      if (link) {
        window.location.href = link.href;
      }
    });

    // Tabbing onto a question selects it too.
    tbody.addEventListener('focusin', function (ev) {
      var target = ev.target instanceof Element ? ev.target : null;
      var row = target ? target.closest('.ticket-row') : null;
      if (row) {
        select(row, false, false);
      }
    });

    function switchTab(name) {
      var tab = document.querySelector('a[data-status-tab="' + name + '"]');
      if (tab) {
        window.location.href = tab.href;
      }
    }

    stream = listen(onEvent, refresh);
    keepAcrossHistory(stream);
    window.addEventListener('pageshow', function (ev) {
      if (ev.persisted) {
        refresh();
      }
    });

    window.setInterval(function () {
      refreshTimes();
      if (!stream.live()) {
        refresh(); // no live stream: poll instead
      }
    }, TICK_MS);

    return {
      key: function (ev, key) {
        if (key === 'j') {
          ev.preventDefault();
          move(1);
        } else if (key === 'k') {
          ev.preventDefault();
          move(-1);
        } else if (key === 'Enter') {
          var target = ev.target instanceof Element ? ev.target : null;
          if (target && target.closest('a, button, summary')) {
            return; // the focused control does its own thing
          }
          if (openSelected()) {
            ev.preventDefault();
          }
        } else if (key === '1') {
          switchTab('open');
        } else if (key === '2') {
          switchTab('claimed');
        } else if (key === '3') {
          switchTab('resolved');
        }
      }
    };
  }

  // ---- ticket page ---------------------------------------------------------------------

  function insertIntoReply(text) {
    var reply = byId('reply-text');
    if (!reply || typeof text !== 'string' || text === '') {
      return;
    }
    var current = reply.value.replace(/\s+$/, '');
    reply.value = current ? current + '\n\n' + text : text;
    reply.focus();
    caretToEnd(reply);
    announce('Added to your reply. Edit it before sending.');
  }

  function apiJson(method, url, payload) {
    var options = {
      method: method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrfToken() }
    };
    if (payload !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(payload);
    }
    return window.fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  function senderLabel(message) {
    if (message.from === 'patron') {
      return 'Patron';
    }
    if (message.from === 'bot') {
      return 'Bot';
    }
    if (message.from === 'librarian') {
      return message.author ? 'Librarian (' + message.author + ')' : 'Librarian';
    }
    return 'System';
  }

  /** One message of the conversation, the same markup as ticket.html renders. */
  function buildMessage(message) {
    var delivery = message.delivery || null;
    var failed = delivery && (delivery.status === 'failed' || delivery.status === 'undeliverable');
    var item = el('li', 'msg msg-' + message.from + (failed ? ' msg-failed' : ''));
    item.setAttribute('data-sender', message.from);
    item.setAttribute('data-message-id', String(message.id));
    var meta = el('p', 'msg-meta');
    meta.appendChild(el('span', 'msg-sender', senderLabel(message)));
    meta.appendChild(document.createTextNode(' '));
    var time = el('time', 'msg-time local-time', '');
    time.setAttribute('data-ms', String(message.created_at));
    meta.appendChild(time);
    item.appendChild(meta);
    if (message.text === null || message.text === undefined) {
      item.appendChild(el('p', 'msg-text msg-deleted', '(text deleted)'));
    } else {
      var text = el('div', 'msg-text' + (message.from !== 'patron' ? ' md' : ''), message.text);
      if (message.lang) {
        text.setAttribute('lang', message.lang);
      }
      item.appendChild(text);
    }
    if (failed) {
      item.appendChild(el('p', 'msg-error', '⚠ Not delivered: ' + (delivery.error || delivery.status)));
    }
    return item;
  }

  function buildNote(note) {
    var item = el('li', 'note');
    var meta = el('p', 'note-meta');
    meta.appendChild(el('span', 'note-author', note.author));
    meta.appendChild(document.createTextNode(' '));
    var time = el('time', 'local-time', '');
    time.setAttribute('data-ms', String(note.at));
    meta.appendChild(time);
    item.appendChild(meta);
    item.appendChild(el('p', 'note-text', note.text));
    return item;
  }

  function ticketPage() {
    var conversation = byId('conversation');
    if (!conversation) {
      return null;
    }
    var ticketId = conversation.getAttribute('data-ticket-id') || '';
    var reply = byId('reply-text');
    var notice = byId('update-notice');
    var noticeText = byId('update-text');
    var reloadButton = byId('update-reload');
    var notes = byId('notes');
    var statusBadge = document.querySelector('.ticket-facts .status-badge');
    var assigneeFact = byId('ticket-assignee');
    var me = conversation.getAttribute('data-me') || '';
    var shownStatus = statusBadge ? statusBadge.textContent.trim() : '';
    var shownAssignee = null;
    var fetching = false;
    var fetchAgain = false;
    var draftKey = 'refdesk.draft.' + ticketId;

    var scroller = conversation.closest('.conversation-scroll');
    function nearBottom() {
      return !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    }
    if (scroller) {
      scroller.scrollTop = scroller.scrollHeight;
    }
    renderAllMarkdown(document);

    // The draft survives a reload, a crash of the tab and a page the librarian left.
    if (reply) {
      try {
        var saved = window.sessionStorage.getItem(draftKey);
        if (saved && !reply.value) {
          reply.value = saved;
        }
      } catch (e) { /* storage off */ }
      reply.addEventListener('input', function () {
        try {
          if (reply.value.trim()) {
            window.sessionStorage.setItem(draftKey, reply.value);
          } else {
            window.sessionStorage.removeItem(draftKey);
          }
        } catch (e) { /* storage off */ }
      });
      if (reply.form) {
        reply.form.addEventListener('submit', function () {
          try { window.sessionStorage.removeItem(draftKey); } catch (e) { /* storage off */ }
        });
      }
    }

    // Markdown preview of the reply.
    var previewToggle = byId('reply-preview-toggle');
    var preview = byId('reply-preview');
    if (previewToggle && preview && reply) {
      previewToggle.hidden = false;
      previewToggle.addEventListener('click', function () {
        var open = preview.hidden;
        preview.hidden = !open;
        previewToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        previewToggle.textContent = open ? 'Hide preview' : 'Preview';
        if (open) {
          renderMarkdown(preview, reply.value || '(nothing written yet)');
        }
      });
      reply.addEventListener('input', function () {
        if (!preview.hidden) {
          renderMarkdown(preview, reply.value || '(nothing written yet)');
        }
      });
    }

    document.addEventListener('click', function (ev) {
      var target = ev.target instanceof Element ? ev.target : null;
      var button = target ? target.closest('.use-suggestion') : null;
      if (button) {
        ev.preventDefault();
        insertIntoReply(button.getAttribute('data-answer') || '');
      }
    });

    var canned = byId('canned');
    if (canned) {
      canned.addEventListener('change', function () {
        var option = canned.options[canned.selectedIndex];
        var text = option ? option.getAttribute('data-text') : '';
        canned.selectedIndex = 0; // ready for the next pick, even of the same reply
        if (text) {
          insertIntoReply(text);
        }
      });
    }

    // Notes are sent on their own: the reply draft, focus and scroll position stay.
    var noteForm = byId('note-form');
    var noteField = byId('note');
    var noteStatus = byId('note-status');
    if (noteForm && noteField && noteForm.getAttribute('data-api')) {
      noteForm.addEventListener('submit', function (ev) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        var text = noteField.value.trim();
        if (!text) {
          noteField.focus();
          return;
        }
        var button = noteForm.querySelector('button[type="submit"]');
        if (button) {
          button.disabled = true;
        }
        apiJson('POST', noteForm.getAttribute('data-api'), { text: text }).then(function (r) {
          if (r.ok) {
            noteField.value = '';
            if (notes && !notes.querySelector('[data-note-id="' + r.data.id + '"]')) {
              var item = buildNote(r.data);
              item.setAttribute('data-note-id', String(r.data.id));
              notes.appendChild(item);
              localizeTimes();
            }
            var empty = byId('notes-empty');
            if (empty) {
              empty.hidden = true;
            }
            noteStatus.textContent = 'Note added.';
          } else {
            noteStatus.textContent = (r.data && r.data.error) || 'The note could not be added.';
          }
        }).catch(function () {
          noteStatus.textContent = 'The note could not be added; check the connection and try again.';
        }).then(function () {
          if (button) {
            button.disabled = false;
          }
        });
      }, true);
    }
    all('li.note', notes || document).forEach(function (item, i) {
      item.setAttribute('data-note-index', String(i));
    });

    if (reloadButton) {
      reloadButton.addEventListener('click', function () {
        leaving = true;
        window.location.reload();
      });
    }

    window.addEventListener('beforeunload', function (ev) {
      if (leaving || !unsavedWork(null)) {
        return;
      }
      ev.preventDefault();
      ev.returnValue = '';
    });

    function showNotice(text) {
      if (!notice) {
        return;
      }
      if (noticeText) {
        noticeText.textContent = text;
      }
      notice.hidden = false;
      announce(text);
    }

    /** Brings the page up to date in place: new messages and notes, the status. */
    function refresh() {
      if (fetching) {
        fetchAgain = true;
        return;
      }
      fetching = true;
      apiJson('GET', TICKETS_URL + '/' + encodeURIComponent(ticketId)).then(function (r) {
        if (r.status === 401) {
          showNotice('You have been signed out. Reload the page to sign in again.');
          return;
        }
        if (r.status === 404) {
          showNotice('This question no longer exists (the patron\'s data may have been erased).');
          return;
        }
        if (!r.ok) {
          return;
        }
        var detail = r.data;
        var follow = nearBottom();
        var fresh = 0;
        var fromPatron = 0;
        (detail.messages || []).forEach(function (message) {
          var existing = conversation.querySelector('[data-message-id="' + String(message.id) + '"]');
          if (existing) {
            var d = message.delivery;
            if (d && (d.status === 'failed' || d.status === 'undeliverable') && !existing.querySelector('.msg-error')) {
              existing.classList.add('msg-failed');
              existing.appendChild(el('p', 'msg-error', '⚠ Not delivered: ' + (d.error || d.status)));
              announce('A message could not be delivered.');
            }
            return;
          }
          var placeholder = conversation.querySelector('li:not([data-message-id])');
          if (placeholder) {
            placeholder.remove();
          }
          conversation.appendChild(buildMessage(message));
          fresh += 1;
          if (message.from === 'patron') {
            fromPatron += 1;
          }
        });
        if (notes) {
          var known = all('li.note', notes).length;
          (detail.notes || []).slice(known).forEach(function (note) {
            var item = buildNote(note);
            item.setAttribute('data-note-id', String(note.id));
            notes.appendChild(item);
            announce('New staff note from ' + note.author + '.');
          });
          var empty = byId('notes-empty');
          if (empty && (detail.notes || []).length) {
            empty.hidden = true;
          }
        }
        if (fresh) {
          renderAllMarkdown(conversation);
          localizeTimes();
          if (follow && scroller) {
            scroller.scrollTop = scroller.scrollHeight;
          }
          announce(fromPatron ? 'New message from the patron.' : 'New message in the conversation.');
        } else {
          localizeTimes();
        }
        var assignee = detail.assignee || '';
        if (shownAssignee === null) {
          shownAssignee = assignee;
        }
        if (detail.status !== shownStatus || assignee !== shownAssignee) {
          shownStatus = detail.status;
          shownAssignee = assignee;
          if (statusBadge) {
            statusBadge.textContent = detail.status;
            statusBadge.setAttribute('data-status', detail.status);
          }
          if (assigneeFact) {
            assigneeFact.textContent = assignee ? (assignee === me ? 'Claimed by you' : 'Claimed by ' + assignee) : 'Unassigned';
          }
          var what = detail.status === 'resolved' ? 'This question was resolved.' :
            assignee ? (assignee === me ? 'This question is now yours.' : 'This question is now held by ' + assignee + '.') :
            'This question is back in the queue.';
          showNotice(what + ' Reload to see the actions that apply now; your draft is kept.');
        }
      }).catch(function () {
        /* the next event or the poll tries again */
      }).then(function () {
        fetching = false;
        if (fetchAgain) {
          fetchAgain = false;
          refresh();
        }
      });
    }
    // The first refresh learns who holds the ticket now (the page says it in words).
    refresh();

    var stream = listen(function (data) {
      if (data.kind === 'resync' || (data.ticket_id !== undefined && data.ticket_id !== null && String(data.ticket_id) === ticketId)) {
        refresh();
      }
    }, refresh);
    keepAcrossHistory(stream);
    window.setInterval(function () {
      if (!stream.live()) {
        refresh(); // no live stream: poll instead
      }
    }, TICK_MS);

    return {
      key: function (ev, key) {
        if (key === 'c') {
          ev.preventDefault();
          clickIfPresent('claim', 'This question cannot be claimed now.');
        } else if (key === 'r') {
          if (reply) {
            ev.preventDefault();
            reply.focus();
            caretToEnd(reply);
          } else {
            announce('Replying is closed for this question.');
          }
        } else if (key === 'x') {
          ev.preventDefault();
          clickIfPresent('release', 'This question cannot be released now.');
        } else if (key === 'e') {
          ev.preventDefault();
          clickIfPresent('resolve', 'This question cannot be resolved now.');
        }
      }
    };
  }

  // ---- keyboard ------------------------------------------------------------------------

  var handler = null;
  if (page === 'queue') {
    handler = queuePage();
  } else if (page === 'ticket') {
    handler = ticketPage();
  }

  var gPressedAt = 0;

  document.addEventListener('keydown', function (ev) {
    if (ev.defaultPrevented || ev.isComposing) {
      return;
    }
    var target = ev.target;
    var withMod = ev.ctrlKey || ev.metaKey;

    // Ctrl/Cmd+Enter in a text area sends its form (the reply, or the staff note).
    if (ev.key === 'Enter' && withMod && !ev.altKey && target && target.tagName === 'TEXTAREA' && target.form) {
      ev.preventDefault();
      var send = target.id === 'reply-text' ? byId('reply-send') : null;
      submitWith(target.form, send);
      return;
    }

    if (isTypingTarget(target)) {
      if (ev.key === 'Escape' && !withMod && !ev.altKey && target.tagName !== 'SELECT') {
        target.blur();
      }
      return;
    }
    if (withMod || ev.altKey) {
      return;
    }

    var rawKey = ev.key || '';
    var key = rawKey.length === 1 ? rawKey.toLowerCase() : rawKey;
    if (!singleKeys) {
      return;
    }

    if (key === '?') {
      ev.preventDefault();
      toggleHelp();
      return;
    }
    if (key === 'Escape') {
      var help = byId('shortcuts');
      if (help && help.open) {
        help.open = false;
      }
      var active = document.activeElement;
      if (active && active !== document.body && typeof active.blur === 'function') {
        active.blur();
      }
      return;
    }

    var at = Date.now();
    if (gPressedAt && at - gPressedAt < G_WINDOW_MS) {
      gPressedAt = 0;
      if (key === 'q') {
        ev.preventDefault();
        window.location.href = queueUrl();
        return;
      }
    }
    gPressedAt = 0;
    if (key === 'g') {
      gPressedAt = at;
      return;
    }

    if (handler && !ev.repeat) {
      handler.key(ev, key);
    } else if (handler && (key === 'j' || key === 'k')) {
      handler.key(ev, key); // holding j or k keeps moving
    }
  });
  localizeTimes();
})();
