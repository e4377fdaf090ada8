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
    if (note && note.form !== except && note.value !== note.defaultValue) {
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
      if (text) {
        text.textContent = waitingText(waited);
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
      var channel = ticket.channel === null || ticket.channel === undefined ? '' : String(ticket.channel);
      var assignee = ticket.assignee === null || ticket.assignee === undefined ? '' : String(ticket.assignee);
      var last = ticket.last_message === null || ticket.last_message === undefined ? '' : String(ticket.last_message);
      var opened = Number(ticket.opened_at);

      var row = el('tr', 'ticket-row');
      row.setAttribute('data-ticket-id', id);
      row.setAttribute('data-opened-at', isFinite(opened) ? String(opened) : '');
      row.setAttribute('data-status', String(ticket.status || ''));
      row.setAttribute('data-assigned', assignee ? '1' : '0');

      var idCell = el('td', 'cell-ticket');
      var link = el('a', 'ticket-link');
      link.href = TICKET_PAGE + encodeURIComponent(id);
      link.appendChild(el('span', 'visually-hidden', 'Question '));
      link.appendChild(document.createTextNode('#' + id));
      idCell.appendChild(link);

      var channelCell = el('td', 'cell-channel');
      var badge = el('span', 'badge channel-badge', channel);
      badge.setAttribute('data-channel', channel);
      channelCell.appendChild(badge);

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

      var lastCell = el('td', 'cell-last');
      if (last) {
        var lastText = el('span', 'last-message', last);
        lastText.title = last;
        lastCell.appendChild(lastText);
      } else {
        lastCell.appendChild(el('span', 'muted', 'No messages'));
      }

      row.appendChild(idCell);
      row.appendChild(channelCell);
      row.appendChild(waitingCell);
      row.appendChild(assigneeCell);
      row.appendChild(lastCell);
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
      window.fetch(TICKETS_URL + '?status=' + encodeURIComponent(status), {
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

  function ticketPage() {
    var conversation = byId('conversation');
    if (!conversation) {
      return null;
    }
    var ticketId = conversation.getAttribute('data-ticket-id') || '';
    var reply = byId('reply-text');
    var notice = byId('update-notice');
    var reloadButton = byId('update-reload');

    // Newest message in view.
    var scroller = conversation.closest('.conversation-scroll');
    if (scroller) {
      scroller.scrollTop = scroller.scrollHeight;
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

    if (reloadButton) {
      reloadButton.addEventListener('click', function () {
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

    function somethingChanged() {
      if (leaving) {
        return; // a form of ours is already taking us to the new state
      }
      if (unsavedWork(null)) {
        if (notice && notice.hidden) {
          notice.hidden = false;
          announce('New activity on this question. Reload when you are ready.');
        }
        return;
      }
      leaving = true;
      window.location.reload();
    }

    var stream = listen(function (data) {
      if (data.ticket_id !== undefined && data.ticket_id !== null && String(data.ticket_id) === ticketId) {
        somethingChanged();
      }
    }, somethingChanged);
    keepAcrossHistory(stream);

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
