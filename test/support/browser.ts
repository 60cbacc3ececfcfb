// A real headless Chromium (Debian's `chromium`, driven by puppeteer-core) for the web UI tests, and
// helpers that find things the way a person does: by role and accessible name, never by pixels.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';

// Browser globals, used only inside page.evaluate callbacks (the Node program has no DOM lib).
declare const document: any;
declare const location: any;
declare const sessionStorage: any;
declare const localStorage: any;

/** Where the screenshots go (gitignored); the README lists what each shows. */
export const SCREENSHOTS_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'ui');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** CHROMIUM_PATH, or the first browser installed where Debian puts it; a clear error otherwise. */
export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('No Chromium found: `apt-get install -y chromium` (or set CHROMIUM_PATH)');
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // root in CI containers: no user namespace sandbox; small /dev/shm.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/** The element with this role and accessible name (puppeteer's ARIA query). */
export async function byRole(page: Page, role: string, name: string, timeout = 15_000): Promise<ElementHandle<any>> {
  const el = await page.waitForSelector(`::-p-aria([name="${name}"][role="${role}"])`, { timeout });
  if (!el) throw new Error(`no ${role} named "${name}"`);
  return el;
}

/** The form control a <label> with exactly this text labels (as a person reads the form). */
export async function byLabel(page: Page, label: string, timeout = 15_000): Promise<ElementHandle<any>> {
  const handle = await page.waitForFunction(
    (text: string) => [...document.querySelectorAll('label')].find((l: any) => l.textContent?.trim() === text)?.control ?? null,
    { timeout },
    label,
  );
  const el = handle.asElement() as ElementHandle<any> | null;
  if (!el) throw new Error(`no control labelled "${label}"`);
  return el;
}

/** Waits until the page's visible text contains `text`. */
export async function waitForText(page: Page, text: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction((t: string) => document.body.innerText.includes(t), { timeout }, text);
}

export function bodyText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}
