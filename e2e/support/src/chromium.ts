import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`, installed by `npm test`'s step); `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * A headless Chromium for page tests, from Debian's package: Playwright's own
 * browser download cannot work here (docs/console.md). Quiet flags: no
 * network of its own (updates, sync, field trials); Playwright gives it a fresh
 * profile and deletes it on close.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: run \`npm test\` (it installs Debian's chromium) or \`apt-get install chromium\`, or set CHROMIUM_PATH`,
    );
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
  let closed: Promise<void> | undefined;
  return { browser, close: () => (closed ??= browser.close()) };
}
