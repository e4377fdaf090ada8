// Real-browser end-to-end test: a patron asks on /chat, the question reaches the librarian
// desk live, a librarian claims it and replies, and the reply reaches the patron's page.
//
//   REFDESK_URL=http://127.0.0.1:PORT DESK_USER=ann DESK_PASSWORD=... node tests/browser/desk.mjs
//
// Optional: SCREENSHOT_DIR (writes queue.png and ticket.png there), CHROMIUM (the browser
// binary; /usr/bin/chromium by default). Exits 0 on success; otherwise prints the failed step
// and why, and exits 1. Run by tests/it/browser.rs, which starts the server.

import {
  STEP_TIMEOUT_MS,
  expect,
  finish,
  launch,
  need,
  newContext,
  overallTimeout,
  pathOf,
  shot as shotIn,
  step,
  watch,
} from './common.mjs';

const SCRIPT = 'desk.mjs';
const OVERALL_TIMEOUT_MS = 120_000;
const QUESTION = 'Can you help me find a 1987 article about lighthouse keepers that my professor mentioned?';
const REPLY = 'Hello! I found it in our lighthouse history collection, call number VK1010 .M4.';

const BASE = need('REFDESK_URL', SCRIPT).replace(/\/+$/, '');
const USER = need('DESK_USER', SCRIPT);
const PASSWORD = need('DESK_PASSWORD', SCRIPT);
const SHOTS = process.env.SCREENSHOT_DIR || '';

overallTimeout(SCRIPT, OVERALL_TIMEOUT_MS);
const started = Date.now();
const shot = (page, name) => shotIn(page, SHOTS, name);

/**
 * Clicks `selector`, which submits a form to `action`, and checks the server took it: refdesk
 * answers a good form post with a redirect. Otherwise fails with what the server said.
 */
async function submit(page, selector, action, what) {
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && pathOf(r.url()) === action,
    { timeout: STEP_TIMEOUT_MS },
  );
  answered.catch(() => {}); // awaited below; this keeps an early failure from going unhandled
  await expect(page.click(selector), `could not click ${selector} (${what})`);
  const response = await expect(answered, `${what}: the browser never posted to ${action}`);
  const status = response.status();
  if (status >= 300 && status < 400) return;
  const body = (await response.text().catch(() => '')).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  const origin = (await response.request().headerValue('origin').catch(() => null)) ?? '(none)';
  throw new Error(
    `${what}: POST ${action} answered ${status} instead of a redirect: "${body.slice(0, 200)}"` +
      ` (the browser sent Origin: ${origin})`,
  );
}

let browser = null;
let failed = false;
let error = null;
try {
  await step('launch Chromium', async () => {
    browser = await launch(SCRIPT);
  });

  const viewport = { width: 1280, height: 800 };
  // Two contexts: the librarian and the patron share no cookies or storage.
  const deskContext = await newContext(browser, { viewport });
  const patronContext = await newContext(browser, { viewport });
  const desk = await deskContext.newPage();
  const patron = await patronContext.newPage();
  watch(desk, 'desk');
  watch(patron, 'patron');

  await step('1. librarian signs in and sees the queue', async () => {
    const response = await expect(desk.goto(`${BASE}/desk/login`), `could not load ${BASE}/desk/login`);
    if (!response || !response.ok()) {
      throw new Error(`GET /desk/login answered ${response ? response.status() : 'nothing'}`);
    }
    await desk.fill('input[name=username]', USER);
    await desk.fill('input[name=password]', PASSWORD);
    await submit(desk, 'form[action="/desk/login"] button[type=submit]', '/desk/login', 'signing in');
    await expect(
      desk.waitForURL((url) => url.pathname === '/desk'),
      `signing in did not lead to /desk (now at ${pathOf(desk.url())})`,
    );
    await expect(desk.waitForSelector('body[data-page=queue]'), 'the page after signing in is not the queue');
    // The queue learns of new questions over Server-Sent Events: wait until the stream is up.
    await expect(
      desk.waitForSelector('#live-status[data-state=live]'),
      'the queue page never showed its live-update status as "Live" (event stream not connected)',
    );
    // A marker that a reload would wipe: step 3 checks the queue updated without one.
    await desk.evaluate(() => {
      window.__refdeskNoReload = true;
    });
  });

  await step('2. patron asks a question the bot cannot answer', async () => {
    const response = await expect(patron.goto(`${BASE}/chat`), `could not load ${BASE}/chat`);
    if (!response || !response.ok()) {
      throw new Error(`GET /chat answered ${response ? response.status() : 'nothing'}`);
    }
    await expect(
      patron.waitForSelector('#refdesk-status[data-state=ready]'),
      'the chat page never said it was connected (#refdesk-status data-state=ready)',
    );
    await expect(patron.waitForSelector('#refdesk-input:enabled'), 'the chat input #refdesk-input never became usable');
    await patron.waitForTimeout(500);
    await patron.fill('#refdesk-input', QUESTION);
    await expect(patron.click('#refdesk-send'), 'could not click #refdesk-send');
    await expect(
      patron.waitForSelector(`.refdesk-msg[data-from=patron]:has-text("lighthouse keepers")`),
      'the question did not appear in the patron\'s conversation',
    );
    const notice = await expect(
      patron.waitForSelector('.refdesk-msg[data-from=system]'),
      'no escalation notice (.refdesk-msg[data-from=system]) came back to the patron',
    );
    console.log(`     notice: ${(await notice.innerText()).replace(/\s+/g, ' ').trim()}`);
  });

  let ticketPath = '';
  await step('3. the question shows up in the queue without a reload', async () => {
    const row = desk.locator('#queue .ticket-row', { hasText: 'lighthouse' });
    await expect(
      row.first().waitFor({ state: 'visible' }),
      'no .ticket-row mentioning "lighthouse" appeared in #queue (live update over the event stream)',
    );
    const noReload = await desk.evaluate(() => window.__refdeskNoReload === true);
    if (!noReload) throw new Error('the queue page reloaded instead of updating live');
    if ((await row.count()) !== 1) throw new Error(`expected one row for the question, found ${await row.count()}`);
    ticketPath = (await row.locator('a[href^="/desk/tickets/"]').first().getAttribute('href')) || '';
    if (!/^\/desk\/tickets\/\d+$/.test(ticketPath)) {
      throw new Error(`the row's link points to "${ticketPath}", not /desk/tickets/ID`);
    }
    await shot(desk, 'queue.png');
  });

  await step('4. librarian opens the question, claims it and replies', async () => {
    const link = desk.locator('#queue .ticket-row', { hasText: 'lighthouse' }).locator('a[href^="/desk/tickets/"]').first();
    await expect(link.click(), 'could not click the question\'s link');
    await expect(
      desk.waitForURL((url) => url.pathname === ticketPath),
      `clicking the row's link did not open ${ticketPath} (now at ${pathOf(desk.url())})`,
    );
    await expect(desk.waitForSelector('body[data-page=ticket]'), 'the ticket page has no body[data-page=ticket]');

    const asked = desk.locator('.msg[data-sender=patron] .msg-text').first();
    await expect(asked.waitFor(), 'the ticket page does not show the patron\'s message');
    const askedText = (await asked.innerText()).trim();
    if (askedText !== QUESTION) {
      throw new Error(`the ticket page shows the question as ${JSON.stringify(askedText)}, not ${JSON.stringify(QUESTION)}`);
    }

    await submit(desk, '#claim', `${ticketPath}/claim`, 'claiming the question');
    await expect(
      desk.waitForSelector('.ticket-facts :text("Claimed by you")'),
      'after claiming, the ticket page does not say "Claimed by you"',
    );
    await expect(desk.waitForSelector('body[data-page=ticket]'), 'claiming did not lead back to the ticket page');
    if (pathOf(desk.url()) !== ticketPath) throw new Error(`claiming led to ${pathOf(desk.url())}, not ${ticketPath}`);

    await expect(desk.fill('#reply-text', REPLY), 'no #reply-text box after claiming');
    await submit(desk, '#reply-send', `${ticketPath}/reply`, 'sending the reply');
    await expect(
      desk.waitForSelector('.msg[data-sender=librarian]:has-text("VK1010")'),
      'the reply (.msg[data-sender=librarian] with "VK1010") did not appear on the ticket page',
    );
    const left = await desk.inputValue('#reply-text');
    if (left.trim() !== '') throw new Error('the reply box still holds text after sending: the page did not reload');
    await desk.waitForSelector('#live-status[data-state=live]', { timeout: 3000 }).catch(() => {});
    await shot(desk, 'ticket.png');
  });

  await step('5. the reply reaches the patron over the socket', async () => {
    await expect(
      patron.waitForSelector('.refdesk-msg[data-from=librarian]:has-text("VK1010")'),
      'the librarian\'s reply never appeared on the patron\'s page (.refdesk-msg[data-from=librarian])',
    );
  });
} catch (err) {
  failed = true;
  error = err;
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(SCRIPT, failed, error, started);
