// Real-browser end-to-end test: a patron asks on /chat, the question reaches the librarian
// desk live, a librarian claims it and replies, and the reply reaches the patron's page.
//
//   REFDESK_URL=http://127.0.0.1:PORT DESK_USER=ann DESK_PASSWORD=... node tests/browser/desk.mjs
//
// Optional: SCREENSHOT_DIR (writes queue.png and ticket.png there), CHROMIUM (the browser
// binary; /usr/bin/chromium by default). Exits 0 on success; otherwise prints the failed step
// and why, and exits 1. Run by tests/browser.rs, which starts the server.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT_MS = 10_000;
const OVERALL_TIMEOUT_MS = 120_000;
const QUESTION = 'Can you help me find a 1987 article about lighthouse keepers that my professor mentioned?';
const REPLY = 'Hello! I found it in our lighthouse history collection, call number VK1010 .M4.';

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`desk.mjs: the environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const BASE = need('REFDESK_URL').replace(/\/+$/, '');
const USER = need('DESK_USER');
const PASSWORD = need('DESK_PASSWORD');
const SHOTS = process.env.SCREENSHOT_DIR || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The last resort if something hangs outside Playwright's own timeouts.
setTimeout(() => {
  console.error(`desk.mjs: FAILED: the whole run took longer than ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(3);
}, OVERALL_TIMEOUT_MS).unref();

const started = Date.now();
const problems = []; // console errors and uncaught exceptions, reported on failure

function watch(page, who) {
  page.on('pageerror', (err) => problems.push(`${who}: uncaught exception: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location() && msg.location().url ? ` [${msg.location().url}]` : '';
    problems.push(`${who}: console error: ${msg.text()}${where}`);
  });
}

let current = '';
async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  await fn();
  console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

/** Fails with `message` (and Playwright's reason) unless `promise` settles in time. */
async function expect(promise, message) {
  try {
    return await promise;
  } catch (err) {
    const reason = String((err && err.message) || err).split('\n')[0];
    throw new Error(`${message} (${reason})`);
  }
}

function pathOf(url) {
  try {
    return new URL(url).pathname;
  } catch (_) {
    return url;
  }
}

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

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, name);
  await page.screenshot({ path: file });
  console.log(`     screenshot ${file}`);
}

if (!existsSync(CHROMIUM)) {
  console.error(`desk.mjs: no browser at ${CHROMIUM}: install Debian's chromium package`);
  process.exit(2);
}

let browser = null;
let failed = false;
try {
  await step('launch Chromium', async () => {
    browser = await expect(
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: STEP_TIMEOUT_MS * 3,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
      `Chromium at ${CHROMIUM} did not start`,
    );
  });

  const viewport = { width: 1280, height: 800 };
  // Two contexts: the librarian and the patron share no cookies or storage.
  const deskContext = await browser.newContext({ viewport });
  const patronContext = await browser.newContext({ viewport });
  deskContext.setDefaultTimeout(STEP_TIMEOUT_MS);
  patronContext.setDefaultTimeout(STEP_TIMEOUT_MS);
  deskContext.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  patronContext.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
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
    // Aim at the middle of the visible "#ID": Playwright's default point is the first box of the
    // link, which is its 1x1 visually hidden "Question " label, just outside the link.
    const box = await expect(link.boundingBox(), 'the question\'s link has no box on the page');
    if (!box) throw new Error('the question\'s link is not displayed');
    await expect(
      link.click({ position: { x: box.width / 2, y: box.height / 2 } }),
      'could not click the question\'s link',
    );
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

  console.log(`desk.mjs: all steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  failed = true;
  console.error(`desk.mjs: FAILED at step "${current}": ${(err && err.message) || err}`);
  for (const p of problems) console.error(`  ${p}`);
} finally {
  if (browser) await browser.close().catch(() => {});
}
if (problems.length && !failed) {
  for (const p of problems) console.log(`note: ${p}`);
}
process.exit(failed ? 1 : 0);
