// A shift at the desk in a real browser: a patron asks out of hours and is told when a
// librarian comes; Ann claims the question and starts a reply; a new patron message arrives
// while she types (the page updates in place: her draft and focus stay); she leaves a note
// and hands the question to Ben, whose page says it is his; Ben replies and ends the chat;
// the patron rates it with the buttons. axe-core checks every desk page and the chat.
//
//   REFDESK_URL=http://127.0.0.1:PORT ANN=ann BEN=ben DESK_PASSWORD=... node tests/browser/shift.mjs
//
// Optional: SCREENSHOT_DIR (writes shift-ticket.png and chat-rating.png), CHROMIUM.
// Run by tests/it/browser.rs, which starts the server with opening hours closed right now.

import {
  expect,
  finish,
  launch,
  need,
  newContext,
  noAxeViolations,
  overallTimeout,
  pathOf,
  shot as shotIn,
  step,
  watch,
} from './common.mjs';

const SCRIPT = 'shift.mjs';
const QUESTION = 'I need the 1962 town council minutes about the harbour wall for my thesis';
const FOLLOW_UP = 'The minutes should mention the engineer Moreau';
const DRAFT = 'Dear patron, I am checking the local studies room';
const NOTE = 'Asked local studies by phone; box LS/1962/4 likely.';
const REPLY = 'The minutes are in box LS/1962/4 in local studies.';

const BASE = need('REFDESK_URL', SCRIPT).replace(/\/+$/, '');
const ANN = need('ANN', SCRIPT);
const BEN = need('BEN', SCRIPT);
const PASSWORD = need('DESK_PASSWORD', SCRIPT);
const SHOTS = process.env.SCREENSHOT_DIR || '';

overallTimeout(SCRIPT, 150_000);
const started = Date.now();
const shot = (page, name) => shotIn(page, SHOTS, name);

async function signIn(page, user, checkPage = false) {
  await expect(page.goto(`${BASE}/desk/login`), 'could not load the sign-in page');
  if (checkPage) await noAxeViolations(page, 'the sign-in page');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('form[action="/desk/login"] button[type=submit]');
  await expect(page.waitForSelector('body[data-page=queue]'), `${user} did not reach the queue`);
}

async function patronSays(patron, text) {
  await patron.fill('#refdesk-input', text);
  await expect(patron.click('#refdesk-send'), 'could not click #refdesk-send');
}

let browser = null;
let failed = false;
let error = null;
try {
  await step('launch Chromium', async () => {
    browser = await launch(SCRIPT);
  });
  const viewport = { width: 1280, height: 900 };
  const ann = await (await newContext(browser, { viewport })).newPage();
  const ben = await (await newContext(browser, { viewport })).newPage();
  const patron = await (await newContext(browser, { viewport: { width: 420, height: 800 } })).newPage();
  watch(ann, 'ann');
  watch(ben, 'ben');
  watch(patron, 'patron');

  await step('1. out of hours, the patron is told when a librarian comes', async () => {
    await expect(patron.goto(`${BASE}/chat`), 'could not load /chat');
    await expect(patron.waitForSelector('#refdesk-status[data-state=ready]'), 'the chat never connected');
    await patron.waitForTimeout(300);
    await patronSays(patron, QUESTION);
    const notice = await expect(
      patron.waitForSelector('.refdesk-msg[data-from=system]:has-text("No librarian is on duty")'),
      'the escalation notice does not say that no librarian is on duty',
    );
    const text = (await notice.innerText()).replace(/\s+/g, ' ');
    if (!/\d\d:\d\d/.test(text)) throw new Error(`the notice names no time: ${text}`);
    await noAxeViolations(patron, 'the chat with an out-of-hours notice');
  });

  let ticketPath = '';
  await step('2. Ann sees the question (marked out of hours) and claims it', async () => {
    await signIn(ann, ANN, true);
    const row = ann.locator('#queue .ticket-row', { hasText: 'harbour wall' });
    await expect(row.first().waitFor(), 'the question is not in the queue');
    if ((await row.locator('.ooh-badge').count()) !== 1) throw new Error('the row is not marked out of hours');
    await noAxeViolations(ann, 'the queue');
    ticketPath = (await row.locator('a.ticket-link').getAttribute('href')) || '';
    await ann.goto(`${BASE}${ticketPath}`);
    await ann.click('#claim');
    await expect(ann.waitForSelector('.ticket-facts :text("Claimed by you")'), 'claiming did not work');
    await expect(ann.waitForSelector('#live-status[data-state=live]'), 'the ticket page has no live updates');
    await noAxeViolations(ann, 'the ticket page');
  });

  await step('3. a patron message arrives while Ann types: draft and focus stay', async () => {
    await ann.evaluate(() => {
      window.__refdeskNoReload = true;
    });
    await ann.fill('#reply-text', DRAFT);
    await ann.focus('#reply-text');
    await patronSays(patron, FOLLOW_UP);
    await expect(
      ann.waitForSelector(`.msg[data-sender=patron]:has-text("Moreau")`),
      'the new patron message did not appear on the ticket page',
    );
    const state = await ann.evaluate(() => ({
      noReload: window.__refdeskNoReload === true,
      draft: document.getElementById('reply-text').value,
      focused: document.activeElement && document.activeElement.id,
    }));
    if (!state.noReload) throw new Error('the ticket page reloaded');
    if (state.draft !== DRAFT) throw new Error(`the draft changed to ${JSON.stringify(state.draft)}`);
    if (state.focused !== 'reply-text') throw new Error(`focus moved to ${state.focused}`);
  });

  await step('4. Ann adds a note without losing the draft, and hands over to Ben', async () => {
    await ann.fill('#note', NOTE);
    await ann.click('#note-form button[type=submit]');
    await expect(ann.waitForSelector(`#notes .note:has-text("box LS/1962/4")`), 'the note did not appear');
    const state = await ann.evaluate(() => ({
      noReload: window.__refdeskNoReload === true,
      draft: document.getElementById('reply-text').value,
    }));
    if (!state.noReload || state.draft !== DRAFT) throw new Error('adding a note reloaded the page or lost the draft');
    await ann.fill('#reply-text', ''); // Ann gives the reply to Ben
    await signIn(ben, BEN);
    await ben.goto(`${BASE}${ticketPath}`);
    await expect(ben.waitForSelector('#live-status[data-state=live]'), 'Ben\'s ticket page has no live updates');
    await ann.selectOption('#transfer-to', BEN);
    await ann.click('#transfer');
    await expect(ann.waitForSelector('.ticket-facts :text("Claimed by ben")'), 'the hand-over did not happen');
    await expect(
      ben.waitForSelector('#update-notice:has-text("now yours")'),
      'Ben\'s open page did not say the question is now his',
    );
    await ben.click('#update-reload');
    await expect(ben.waitForSelector('.ticket-facts :text("Claimed by you")'), 'Ben does not hold the question');
    await expect(ben.waitForSelector(`#notes .note:has-text("${ANN}")`), 'Ben does not see Ann\'s note');
  });

  await step('5. Ben replies and ends the chat; the patron rates it', async () => {
    await ben.fill('#reply-text', REPLY);
    await ben.click('#reply-send');
    await expect(ben.waitForSelector('.msg[data-sender=librarian]:has-text("LS/1962/4")'), 'the reply is not shown');
    await expect(
      patron.waitForSelector('.refdesk-msg[data-from=librarian]:has-text("LS/1962/4")'),
      'the reply did not reach the patron',
    );
    ben.once('dialog', (d) => d.accept());
    await ben.click('#resolve');
    await expect(ben.waitForSelector('body[data-page=queue]'), 'resolving did not lead to the queue');
    const four = patron.locator('.refdesk-rating button', { hasText: '4' });
    await expect(four.waitFor(), 'the patron is not offered rating buttons');
    await noAxeViolations(patron, 'the chat with rating buttons');
    await shot(patron, 'chat-rating.png');
    await four.click();
    await expect(
      patron.waitForSelector('.refdesk-msg[data-from=system]:has-text("Thank you for your rating")'),
      'no thanks for the rating',
    );
    if ((await four.getAttribute('aria-pressed')) !== 'true') throw new Error('the chosen rating is not marked pressed');
    await ben.goto(`${BASE}${ticketPath}`);
    await expect(ben.waitForSelector('.ticket-facts :text("rating: 4/5")'), 'the ticket does not show the rating');
    await shot(ben, 'shift-ticket.png');
  });

  await step('6. every other desk page passes axe-core', async () => {
    for (const path of ['/desk?status=resolved', '/desk/deliveries', '/desk/librarians']) {
      const response = await ben.goto(`${BASE}${path}`);
      if (!response || !response.ok()) throw new Error(`${path} answered ${response && response.status()}`);
      await noAxeViolations(ben, pathOf(`${BASE}${path}`));
    }
    // On a phone the question is on screen.
    await ben.setViewportSize({ width: 390, height: 800 });
    await ben.goto(`${BASE}/desk?status=resolved`);
    const question = ben.locator('.question-text', { hasText: 'harbour wall' }).first();
    const box = await question.boundingBox();
    if (!box || box.x < 0 || box.x + 20 > 390) throw new Error(`on a phone the question is off-screen (${JSON.stringify(box)})`);
    await noAxeViolations(ben, 'the queue on a phone');
  });
} catch (err) {
  failed = true;
  error = err;
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(SCRIPT, failed, error, started);
