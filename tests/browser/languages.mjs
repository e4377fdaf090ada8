// Real-browser test of the patrons' chat in their own language: the /chat page in each
// language its browser asks for, a Turkish patron asking on the page and in the widget on a
// library's own site, each answered, with no axe-core (WCAG 2.1 A/AA) violations.
//
//   REFDESK_URL=http://127.0.0.1:PORT QUESTION_TR=... ANSWER_TR=... LIBRARY_NAME=... \
//     node tests/browser/languages.mjs
//
// QUESTION_TR is a Turkish question the server's FAQ answers with ANSWER_TR. Optional:
// SCREENSHOT_DIR (writes chat-<lang>.png there, phone-sized), CHROMIUM. Exits 0 on
// success; otherwise prints the failed step and why, and exits 1. Run by tests/it/browser.rs.

import {
  expect,
  finish,
  launch,
  need,
  newContext,
  noAxeViolations,
  overallTimeout,
  problems,
  shot,
  step,
  watch,
} from './common.mjs';

const SCRIPT = 'languages.mjs';
const BASE = need('REFDESK_URL', SCRIPT).replace(/\/+$/, '');
const QUESTION = need('QUESTION_TR', SCRIPT);
const ANSWER = need('ANSWER_TR', SCRIPT);
const LIBRARY = need('LIBRARY_NAME', SCRIPT);
const SHOTS = process.env.SCREENSHOT_DIR || '';
// The library's own site: another origin than refdesk's (localhost, not 127.0.0.1), both on
// loopback, which Chromium's private network rules allow.
const HOST_SITE = `${BASE.replace('//127.0.0.1:', '//localhost:')}/library-site/`;

// The browser's locale, and a string the chat must then show (its message box placeholder).
const LANGUAGES = [
  { lang: 'en', locale: 'en-GB', placeholder: 'Type your question…' },
  { lang: 'ru', locale: 'ru-RU', placeholder: 'Напишите вопрос…' },
  { lang: 'es', locale: 'es-ES', placeholder: 'Escribe tu pregunta…' },
  { lang: 'az', locale: 'az-AZ', placeholder: 'Sualınızı yazın…' },
  { lang: 'tr', locale: 'tr-TR', placeholder: 'Sorunuzu yazın…' },
  { lang: 'be', locale: 'be-BY', placeholder: 'Напішыце пытанне…' },
];
const PHONE = { viewport: { width: 390, height: 720 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };

overallTimeout(SCRIPT, 150_000);
const started = Date.now();
const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

async function openChat(page, path) {
  const response = await expect(page.goto(`${BASE}${path}`), `could not load ${BASE}${path}`);
  if (!response || !response.ok()) throw new Error(`GET ${path} answered ${response ? response.status() : 'nothing'}`);
  await expect(
    page.waitForSelector('#refdesk-status[data-state=ready]'),
    `${path}: the chat never said it was connected (#refdesk-status data-state=ready)`,
  );
}

async function attribute(page, selector, name) {
  return expect(page.getAttribute(selector, name), `no ${selector} on the page`);
}

/** Asks `QUESTION` in the chat on `page` and checks the answer is `ANSWER`, in Turkish. */
async function askInTurkish(page, where) {
  await expect(page.waitForSelector('#refdesk-input:enabled'), `${where}: the message box never became usable`);
  await page.fill('#refdesk-input', QUESTION);
  await expect(page.click('#refdesk-send'), `${where}: could not click the send button`);
  const answer = page.locator('.refdesk-msg[data-from=bot]:not([data-local])').first();
  await expect(answer.waitFor(), `${where}: no answer from the bot came back`);
  const text = squash(await answer.locator('.refdesk-bubble').innerText());
  if (text !== squash(ANSWER)) {
    throw new Error(`${where}: the answer is ${JSON.stringify(text)}, not the Turkish FAQ entry's ${JSON.stringify(ANSWER)}`);
  }
  const lang = await answer.getAttribute('lang');
  if (lang !== 'tr') throw new Error(`${where}: the answer is marked lang=${JSON.stringify(lang)}, not "tr"`);
  const mine = await page.locator('.refdesk-msg[data-from=patron]').first().getAttribute('lang');
  if (mine !== 'tr') throw new Error(`${where}: the patron's message is marked lang=${JSON.stringify(mine)}, not "tr"`);
}

let browser = null;
let failed = false;
let error = null;
try {
  await step('launch Chromium', async () => {
    browser = await launch(SCRIPT);
  });

  for (const { lang, locale, placeholder } of LANGUAGES) {
    await step(`the chat page in ${lang} for a browser in ${locale}`, async () => {
      const context = await newContext(browser, { ...PHONE, locale });
      const page = await context.newPage();
      watch(page, `chat ${lang}`);
      await openChat(page, '/chat');
      const htmlLang = await attribute(page, 'html', 'lang');
      if (htmlLang !== lang) throw new Error(`<html lang="${htmlLang}">, expected "${lang}"`);
      const shown = await attribute(page, '#refdesk-input', 'placeholder');
      if (shown !== placeholder) throw new Error(`the message box says ${JSON.stringify(shown)}, expected ${JSON.stringify(placeholder)}`);
      const greeting = await attribute(page, '.refdesk-msg[data-local=greeting]', 'lang');
      if (greeting !== lang) throw new Error(`the greeting is marked lang=${JSON.stringify(greeting)}, expected "${lang}"`);
      await noAxeViolations(page, `/chat in ${lang}`);
      // The Turkish screenshot is taken with its question answered, below.
      if (lang !== 'tr') await shot(page, SHOTS, `chat-${lang}.png`);
      await context.close();
    });
  }

  await step('?lang= overrides the browser language', async () => {
    const context = await newContext(browser, { locale: 'tr-TR' });
    const page = await context.newPage();
    watch(page, 'chat ?lang=be');
    await openChat(page, '/chat?lang=be');
    const htmlLang = await attribute(page, 'html', 'lang');
    if (htmlLang !== 'be') throw new Error(`/chat?lang=be in a Turkish browser has <html lang="${htmlLang}">`);
    await context.close();
  });

  await step('a Turkish patron asks on /chat and is answered in Turkish', async () => {
    const context = await newContext(browser, { ...PHONE, locale: 'tr-TR' });
    const page = await context.newPage();
    watch(page, 'chat tr');
    const socket = page.waitForEvent('websocket');
    await openChat(page, '/chat');
    const url = (await expect(socket, 'the page opened no socket')).url();
    if (!/[?&]lang=tr(?:&|$)/.test(url)) throw new Error(`the socket ${url} does not pass lang=tr`);
    if ((await attribute(page, 'html', 'lang')) !== 'tr') throw new Error('the page is not <html lang="tr">');
    const title = await page.title();
    if (!title.startsWith('Kütüphaneye sorun')) throw new Error(`the page's title is ${JSON.stringify(title)}`);
    await expect(page.locator('h1', { hasText: LIBRARY }).waitFor(), `no heading with the library's name ${LIBRARY}`);
    await expect(page.getByText('Bağlandı').waitFor(), 'no visible "Bağlandı" (connected) status');
    await expect(page.getByText('Merhaba!').first().waitFor(), 'no visible Turkish greeting ("Merhaba!")');
    const send = await attribute(page, '#refdesk-send', 'aria-label');
    if (send !== 'Mesajı gönder') throw new Error(`the send button is labelled ${JSON.stringify(send)}`);
    await askInTurkish(page, '/chat');
    await noAxeViolations(page, '/chat in Turkish with an answer');
    await shot(page, SHOTS, 'chat-tr.png');
    await context.close();
  });

  await step('the widget on a library\'s own site speaks Turkish to a Turkish browser', async () => {
    // A site reaching a loopback server needs the browser's local network permission.
    const context = await newContext(browser, {
      viewport: { width: 1024, height: 760 },
      locale: 'tr-TR',
      permissions: ['local-network-access'],
    });
    // The library's site, on another origin than refdesk, in English.
    await context.route(`${HOST_SITE}**`, (route) => route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Library home</title>
<script src="${BASE}/widget.js" defer></script></head>
<body><main><h1>Welcome to the library</h1><p>Opening hours, events and more.</p></main></body></html>`,
    }));
    const page = await context.newPage();
    watch(page, 'widget tr');
    await expect(page.goto(HOST_SITE), `could not load the host page ${HOST_SITE}`);
    const launcher = page.locator('.refdesk-launcher');
    await expect(launcher.waitFor(), 'the widget\'s launcher button never appeared');
    const label = await launcher.getAttribute('aria-label');
    if (label !== 'Kütüphaneciye sorun') throw new Error(`the launcher is labelled ${JSON.stringify(label)}`);
    const socket = page.waitForEvent('websocket');
    await launcher.click();
    const ws = await expect(socket, 'opening the widget opened no socket');
    const frames = new Map(); // message id -> the frame the server sent
    ws.on('framereceived', ({ payload }) => {
      try {
        const frame = JSON.parse(String(payload));
        if (frame.type === 'message') frames.set(String(frame.id), frame);
      } catch (_) { /* not JSON */ }
    });
    const url = ws.url();
    if (!/[?&]lang=tr(?:&|$)/.test(url)) throw new Error(`the widget's socket ${url} does not pass lang=tr`);
    await expect(page.waitForSelector('#refdesk-status[data-state=ready]'), 'the widget never said it was connected');
    const title = squash(await page.locator('#refdesk-title').innerText());
    if (title !== LIBRARY) throw new Error(`the widget's title is ${JSON.stringify(title)}, not the library's name from the server`);
    const widgetLang = await page.locator('#refdesk-widget').getAttribute('lang');
    if (widgetLang !== 'tr') throw new Error(`the widget is marked lang=${JSON.stringify(widgetLang)}`);
    await askInTurkish(page, 'the widget');

    // A question the FAQ cannot answer gets refdesk's notice, marked with the language the
    // server says it is in (its own phrases may not exist in Turkish), not the page's.
    await page.fill('#refdesk-input', 'Dün akşam otoparkta kaybettiğim şemsiyemi bulan oldu mu?');
    await page.click('#refdesk-send');
    const notice = page.locator('.refdesk-msg[data-from=system]').first();
    await expect(notice.waitFor(), 'no notice that a librarian will answer came back');
    const id = await notice.getAttribute('data-id');
    const frame = frames.get(String(id));
    if (!frame || typeof frame.lang !== 'string') throw new Error(`the server sent the notice ${id} without a "lang": ${JSON.stringify(frame)}`);
    const marked = await notice.getAttribute('lang');
    if (marked !== frame.lang) throw new Error(`the notice is marked lang=${JSON.stringify(marked)}, the server said ${JSON.stringify(frame.lang)}`);
    await noAxeViolations(page, 'the host page with the Turkish widget open');
    await context.close();
  });

  if (problems.length) throw new Error(`the pages reported errors:\n  ${problems.join('\n  ')}`);
} catch (err) {
  failed = true;
  error = err;
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(SCRIPT, failed, error, started);
