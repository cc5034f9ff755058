/**
 * What the console's browser tests share: a headless Chromium (the one @sparticuz/chromium ships
 * in its npm package, else a system Chrome/Chromium; never skipped: no browser is a failure that
 * says what to install), the local server on this file's DynamoDB Local table, bulk seeding, and
 * the waits, axe and keyboard checks each view goes through.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { uuidv7 } from '../../../lambdas/store/ids';
import { userKey, userListingPk } from '../../../lambdas/store/keys';
import { groupRefItem, membershipItem } from '../../../lambdas/store/memberships-store';
import { createLocalServer, listen } from '../../../local/http-server';
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

/** Flags for a headless Chromium on a machine with no network but loopback (docs/CONSOLE.md). */
const FLAGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-domain-reliability',
  '--font-render-hinting=none',
];

const SYSTEM_BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

const INSTALL_HINT =
  'No headless Chromium could start. `npm install` brings @sparticuz/chromium (a Chromium inside the npm package); ' +
  'otherwise install a system one (Debian: apt-get install chromium) or set CHROME_PATH to a Chrome/Chromium binary.';

async function candidates(): Promise<{ name: string; path: () => Promise<string> }[]> {
  const list: { name: string; path: () => Promise<string> }[] = [];
  if (process.env.CHROME_PATH)
    list.push({ name: 'CHROME_PATH', path: async () => process.env.CHROME_PATH as string });
  list.push({ name: '@sparticuz/chromium', path: () => chromium.executablePath() });
  for (const path of SYSTEM_BROWSERS) if (existsSync(path)) list.push({ name: path, path: async () => path });
  return list;
}

/** The first browser that starts; throws INSTALL_HINT with every reason when none does. */
export async function launchBrowser(): Promise<{ browser: Browser; name: string }> {
  const failures: string[] = [];
  for (const candidate of await candidates()) {
    try {
      const executablePath = await candidate.path();
      const browser = await puppeteer.launch({
        executablePath,
        args: FLAGS,
        headless: 'shell',
        timeout: 30_000,
      });
      return { browser, name: `${candidate.name} (${await browser.version()})` };
    } catch (error) {
      failures.push(
        `${candidate.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  throw new Error(`${INSTALL_HINT}\n${failures.join('\n')}`);
}

export interface ConsoleServer {
  readonly client: ScimTestClient;
  readonly origin: string;
  close(): Promise<void>;
}

/** The local server (same adapter as `npm start`) over the test client's handlers and table. */
export async function startConsoleServer(): Promise<ConsoleServer> {
  const client = await createScimTestClient({ tenants: ['acme', 'globex'] });
  const server: Server = createLocalServer(client.handlers);
  const port = await listen(server, 0);
  return {
    client,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await client.close();
    },
  };
}

/** Runs `work` over `items`, `limit` at a time. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
}

/** Users (and both sides of their memberships of `groupId`) written straight into the table. */
export async function seedGroupMembers(
  client: ScimTestClient,
  tenant: string,
  groupId: string,
  count: number,
): Promise<void> {
  const now = new Date().toISOString();
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const id = uuidv7();
    items.push(
      {
        ...userKey(tenant, id),
        type: 'User',
        tenant,
        id,
        version: 1,
        created: now,
        lastModified: now,
        resource: { userName: `member-${String(i).padStart(4, '0')}@example.com` },
        GSI1PK: userListingPk(tenant),
        GSI1SK: id,
      },
      membershipItem(tenant, groupId, id),
      groupRefItem(tenant, id, groupId),
    );
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const { db, tableName } = client.table;
  await eachLimited(batches, 4, async (batch) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  });
}

/** Opens a view by its hash and waits until it has rendered its data. */
export async function openView(page: Page, hash: string): Promise<void> {
  const view = hash.replace(/^#\//, '').split('/')[0] ?? '';
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await page.waitForSelector(`main[data-ready="${view}"]`, { timeout: 20_000 });
}

export async function signIn(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/console`, { waitUntil: 'load' });
  await page.waitForSelector('#token');
  await page.type('#token', token);
  await Promise.all([
    page.waitForSelector('main[data-ready="overview"]', { timeout: 20_000 }),
    page.click('form.signin button'),
  ]);
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (node) => node.textContent ?? '');
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is (run through the debugger, so the CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Tabs from the top of the page until focus wraps or `limit` presses; returns the controls never
 * reached (every visible, enabled link, button, input and select on the page).
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  const total = await page.evaluate(() => {
    const controls = [
      ...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea'),
    ].filter((c) => !(c as HTMLButtonElement).disabled && c.offsetParent !== null);
    const reached = new Set<string>();
    (window as unknown as { kbdReached: Set<string> }).kbdReached = reached;
    controls.forEach((c, i) => {
      c.dataset.kbd = String(i);
      c.addEventListener('focus', () => reached.add(String(i)), { once: true });
    });
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
    return controls.length;
  });
  for (let i = 0; i < total + 3; i++) await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const reached = (window as unknown as { kbdReached: Set<string> }).kbdReached;
    return [...document.querySelectorAll<HTMLElement>('[data-kbd]')]
      .filter((c) => !reached.has(c.dataset.kbd ?? ''))
      .map((c) => `${c.tagName.toLowerCase()}#${c.id} "${(c.textContent ?? '').trim().slice(0, 40)}"`);
  });
}
