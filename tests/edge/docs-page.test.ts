/**
 * The docs page in a real browser (Debian's Chromium driven by playwright-core): it renders every
 * operation under the edge's own strict CSP, its styles apply, and nothing on it errors.
 * CI installs chromium; elsewhere the test is skipped with the reason when it is missing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (missing && process.env['CI']) throw new Error(`CI must run the browser test: ${missing}`);

let stack: EdgeStack;
let browser: Browser;

describe.skipIf(missing)(`docs page in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    stack = await startEdgeStack({ workers: 0, extraOrigins: ['http://127.0.0.1:9'] });
    // Flags: this machine has no network or display; as root Chromium needs --no-sandbox.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('renders every operation with its styles, under the CSP, without errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const res = await page.goto(`${stack.url}/`);
    expect(res?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/docs');
    expect(await page.title()).toMatch(/segmentation API/);
    const headings = await page.locator('section.op h2').allInnerTexts();
    expect(headings.join('\n')).toMatch(/POST\s+\/v1\/segment/);
    expect(headings.join('\n')).toMatch(/POST\s+\/v1\/tokens/);
    expect(headings.join('\n')).toMatch(/GET\s+\/v1\/health/);
    // The inline stylesheet is allowed by the CSP and applies.
    // Runs in the page; the Node-side tsconfig has no DOM lib, hence the narrow cast.
    type PageGlobals = { getComputedStyle(el: unknown): { backgroundColor: string } };
    const badge = await page.locator('.method').first().evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).backgroundColor);
    expect(badge).toBe('rgb(11, 95, 255)');
    expect(await page.locator('a[href="/openapi.json"]').count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
