/**
 * Finds a Chromium for the real-browser test of the HTML report.
 *
 * Looked for in this order: `CHROME_PATH`, `PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH`, the system's
 * Chromium or Chrome, then a Playwright-managed browser (`npx playwright-core install chromium`).
 * Under `CI=true` a missing browser is a failure (`.ci/system-deps` installs Debian's chromium);
 * elsewhere the test skips with one line that says how to enable it.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The path of a Chromium executable, or undefined when this machine has none. */
export function findChromium(): string | undefined {
  const named = [process.env.CHROME_PATH, process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH].filter((p): p is string => !!p);
  for (const p of named) if (existsSync(p)) return p;
  for (const p of SYSTEM) if (existsSync(p)) return p;
  try {
    const managed = chromium.executablePath();
    if (managed && existsSync(managed)) return managed;
  } catch {
    // playwright-core throws when it has no managed browser for this platform.
  }
  return undefined;
}

/** Why the browser test skips, or undefined when it must run (a browser exists, or CI requires one). */
export function browserSkipReason(found: string | undefined): string | undefined {
  if (found || process.env.CI === 'true') return undefined;
  return 'no Chromium found: set CHROME_PATH, install chromium (apt-get install chromium), or run `npx playwright-core install chromium`';
}
