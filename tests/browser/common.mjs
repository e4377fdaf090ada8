// What the browser scripts share: reading the environment, starting Chromium, named steps
// with clear failures, screenshots and the axe-core accessibility check.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium } from 'playwright-core';

export const STEP_TIMEOUT_MS = 10_000;

/** The environment variable `name`, or exit 2 saying it is missing. */
export function need(name, script) {
  const value = process.env[name];
  if (!value) {
    console.error(`${script}: the environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

/** Exits 3 if the whole run takes longer than `ms`: the last resort if something hangs. */
export function overallTimeout(script, ms) {
  setTimeout(() => {
    console.error(`${script}: FAILED: the whole run took longer than ${ms / 1000} s`);
    process.exit(3);
  }, ms).unref();
}

export const problems = []; // console errors and uncaught exceptions, reported on failure

export function watch(page, who) {
  page.on('pageerror', (err) => problems.push(`${who}: uncaught exception: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location() && msg.location().url ? ` [${msg.location().url}]` : '';
    problems.push(`${who}: console error: ${msg.text()}${where}`);
  });
}

let current = ''; // the step being run, for the failure message

export async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  await fn();
  console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

/** Fails with `message` (and Playwright's reason) unless `promise` settles in time. */
export async function expect(promise, message) {
  try {
    return await promise;
  } catch (err) {
    const reason = String((err && err.message) || err).split('\n')[0];
    throw new Error(`${message} (${reason})`);
  }
}

export function pathOf(url) {
  try {
    return new URL(url).pathname;
  } catch (_) {
    return url;
  }
}

/** Saves a screenshot as `dir/name` when `dir` is set. */
export async function shot(page, dir, name) {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  await page.screenshot({ path: file });
  console.log(`     screenshot ${file}`);
}

/** Debian's headless Chromium (or $CHROMIUM), started with nothing that calls home. */
export async function launch(script) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.error(`${script}: no browser at ${executablePath}: install Debian's chromium package`);
    process.exit(2);
  }
  return expect(
    chromium.launch({
      executablePath,
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
    `Chromium at ${executablePath} did not start`,
  );
}

/** A browser context with the step timeout on everything. */
export async function newContext(browser, options) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return context;
}

/**
 * Runs axe-core (WCAG 2.0 and 2.1, levels A and AA) on the page, open shadow roots included,
 * and fails listing every violation with the elements it found. evaluate() runs outside the
 * page's Content-Security-Policy, so the strict policy stays on.
 */
export async function noAxeViolations(page, what) {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' > ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  });
  if (violations.length) {
    const list = violations.map((v) => `  ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n}`).join('\n')}`);
    throw new Error(`${what}: ${violations.length} axe violation(s):\n${list.join('\n')}`);
  }
}

/** Prints the outcome and exits: 0 when every step passed. */
export function finish(script, failed, err, started) {
  if (failed) {
    console.error(`${script}: FAILED at step "${current}": ${(err && err.message) || err}`);
    for (const p of problems) console.error(`  ${p}`);
  } else {
    console.log(`${script}: all steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const p of problems) console.log(`note: ${p}`);
  }
  process.exit(failed ? 1 : 0);
}
