/**
 * The console in a real headless Chromium against the local server on DynamoDB Local: sign-in
 * and sign-out, the Users list over 261 users (search, status filter, cursor paging to the
 * end), a user's groups, a 1,000-member group paged from the server (no response carries more
 * than one page of members), an XSS userName kept as text, the strict
 * headers, axe-core on every view, and keyboard reach of every control. Views that need
 * /Activity or /Events are tested in console-feed.test.ts. Screenshots go to a temp folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, HTTPResponse, Page } from 'puppeteer-core';
import {
  type ConsoleServer,
  eachLimited,
  launchBrowser,
  openView,
  seedGroupMembers,
  seriousViolations,
  signIn,
  startConsoleServer,
  textOf,
  unreachableByKeyboard,
} from './support/console-harness';

const XSS = '<img src=x onerror=alert(1)>';
const USERS = 260;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let env: ConsoleServer;
let browser: Browser;
let page: Page;
let shots: string;
const dialogs: string[] = [];
const startedAt = Date.now();
const userIds: string[] = [];

const name = (i: number) => `user-${String(i).padStart(3, '0')}@example.com`;

beforeAll(async () => {
  const [server, launched] = await Promise.all([startConsoleServer(), launchBrowser()]);
  env = server;
  browser = launched.browser;
  process.stdout.write(`browser: ${launched.name}\n`);
  const { client } = env;
  const seedStart = Date.now();
  await eachLimited(
    Array.from({ length: USERS }, (_, i) => i),
    8,
    async (i) => {
      const res = await client.request('POST', '/Users', {
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ...(i === 0 ? [ENTERPRISE] : [])],
          userName: name(i),
          name: { givenName: `Given${i}`, familyName: `Family${i}` },
          emails: [{ value: name(i), type: 'work', primary: true }],
          active: i % 10 !== 9,
          ...(i === 0 ? { [ENTERPRISE]: { department: 'Research', employeeNumber: '42' } } : {}),
        },
      });
      if (res.status !== 201) throw new Error(`seed user ${i}: ${res.status} ${res.text}`);
      userIds[i] = res.body.id;
    },
  );
  const xss = await client.request('POST', '/Users', {
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: XSS, displayName: XSS },
  });
  expect(xss.status).toBe(201);
  const engineering = await client.request('POST', '/Groups', {
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      members: userIds.slice(0, 10).map((value) => ({ value })),
    },
  });
  expect(engineering.status).toBe(201);
  const everyone = await client.request('POST', '/Groups', {
    token: client.tokenFor('globex'),
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Everyone' },
  });
  expect(everyone.status).toBe(201);
  await seedGroupMembers(client, 'globex', everyone.body.id, 1000);
  process.stdout.write(
    `seeded ${USERS + 1} users, 2 groups, a 1,000-member group in ${Date.now() - seedStart} ms\n`,
  );

  shots = mkdtempSync(join(tmpdir(), 'scim-console-shots-'));
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
  process.stdout.write(`screenshots: ${shots}\nconsole.test.ts wall time: ${Date.now() - startedAt} ms\n`);
});

const shot = (view: string) =>
  page.screenshot({ path: join(shots, `${view}.png`) as `${string}.png`, fullPage: true });

async function checkView(view: string): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
  expect(await unreachableByKeyboard(page)).toEqual([]);
  await shot(view);
}

describe('console in headless Chromium', () => {
  it('serves the page with the strict headers; the sign-in view passes axe and is keyboard-reachable', async () => {
    const res = await page.goto(`${env.origin}/console`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    const headers = res?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await page.waitForSelector('#token');
    await checkView('sign-in');
  });

  it('signs in with a pasted token kept in sessionStorage only: no cookie, not in the URL; the overview counts', async () => {
    const token = env.client.tokenFor('acme');
    await signIn(page, env.origin, token);
    expect(await page.evaluate(() => sessionStorage.getItem('scim-console-token'))).toBe(token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.cookies()).toEqual([]);
    expect(page.url()).not.toContain(token);
    expect(await textOf(page, '#count-users')).toBe(String(USERS + 1));
    expect(await textOf(page, '#count-deactivated')).toBe(String(USERS / 10));
    expect(await textOf(page, '#count-active')).toBe(String(USERS + 1 - USERS / 10));
    expect(await textOf(page, '#count-groups')).toBe('1');
    await checkView('overview');
  });

  it('users: every one of the 261 users reached by cursor paging, each row with its groups', async () => {
    await openView(page, '#/users');
    await checkView('users');
    const seen = new Set<string>();
    for (let pageNo = 1; pageNo < 30; pageNo++) {
      await page.waitForFunction(
        (n) =>
          document.querySelector('#user-results p')?.textContent?.startsWith(`Page ${n} `) &&
          !document.querySelector('#user-results td span.muted'),
        { timeout: 20_000 },
        pageNo,
      );
      const names = await page.$$eval('#user-results tbody tr td:first-child', (cells) =>
        cells.map((c) => c.textContent ?? ''),
      );
      for (const n of names) seen.add(n);
      if (pageNo === 1) {
        const row = await page.$$eval('#user-results tbody tr', (rows) =>
          rows
            .map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent))
            .find((cells) => cells[0] === 'user-000@example.com'),
        );
        expect(row).toEqual([
          'user-000@example.com',
          'Given0 Family0',
          'user-000@example.com',
          'active',
          'Engineering',
        ]);
      }
      if (await page.$eval('#users-next', (b) => (b as HTMLButtonElement).disabled)) break;
      await page.click('#users-next');
    }
    expect(seen.size).toBe(USERS + 1);
    expect(seen.has(XSS)).toBe(true);
  }, 90_000);

  it('users: userName prefix search and the deactivated filter', async () => {
    await openView(page, '#/users');
    await page.type('#user-search', 'user-01');
    await page.click('#user-results ~ form button, form[role="search"] button');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#user-results tbody tr').length === 10 &&
        !document.querySelector('#user-results td span.muted'),
    );
    const names = await page.$$eval('#user-results tbody tr td:first-child', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => name(10 + i)));
    await page.select('#user-status', 'deactivated');
    await page.click('form[role="search"] button');
    await page.waitForFunction(() => document.querySelectorAll('#user-results tbody tr').length === 1);
    expect(
      await page.$$eval('#user-results tbody tr td:first-child', (cells) => cells.map((c) => c.textContent)),
    ).toEqual([name(19)]);
    expect(await textOf(page, '#user-results tbody tr td:nth-child(4)')).toBe('deactivated');
  });

  it('user detail: attributes with the enterprise extension, and the groups', async () => {
    await openView(page, `#/users/${userIds[0]}`);
    expect(await textOf(page, 'main h1')).toBe(name(0));
    expect(await textOf(page, '#user-groups')).toBe('Engineering');
    const attrs = await page.$$eval('dl.attrs dt', (dts) =>
      dts.map((dt) => `${dt.textContent}=${dt.nextElementSibling?.textContent}`),
    );
    expect(attrs).toEqual(
      expect.arrayContaining([
        'enterprise.department=Research',
        'enterprise.employeeNumber=42',
        'name.givenName=Given0',
        'active=true',
      ]),
    );
    await checkView('user');
  });

  it('the XSS userName stays text everywhere: no dialog, no element made from it, the characters shown', async () => {
    await openView(page, '#/users');
    await page.type('#user-search', '<img');
    await page.click('form[role="search"] button');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#user-results tbody tr').length === 1 &&
        !document.querySelector('#user-results td span.muted'),
    );
    expect(await textOf(page, '#user-results tbody tr td:first-child')).toBe(XSS);
    await Promise.all([
      page.waitForSelector('main[data-ready="users"]'),
      page.click('#user-results tbody tr td:first-child a'),
    ]);
    await page.waitForFunction((x) => document.querySelector('main h1')?.textContent === x, {}, XSS);
    expect(await page.$$eval('main img', (imgs) => imgs.length)).toBe(0);
    expect(await page.$$eval('dl.attrs dd', (dds) => dds.map((d) => d.textContent))).toContain(XSS);
    expect(dialogs).toEqual([]);
  });

  it('groups: search by displayName prefix with member counts; the group lists its members', async () => {
    await openView(page, '#/groups');
    expect(
      await page.$$eval('#group-results tbody tr', (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)),
      ),
    ).toEqual([['Engineering', '', '10']]);
    await checkView('groups');
    await page.type('#group-search', 'nope');
    await page.click('form[role="search"] button');
    await page.waitForFunction(() =>
      document.querySelector('#group-results p')?.textContent?.includes('0 matching'),
    );
  });

  it('a 1,000-member group pages its members 100 at a time from the server (after sign-out and sign-in to another tenant)', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#token');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await signIn(page, env.origin, env.client.tokenFor('globex'));
    await openView(page, '#/groups');
    expect(await textOf(page, '#group-results tbody tr td:nth-child(3)')).toBe('1000');
    // From here on, every SCIM response the group view receives is inspected: none may carry
    // more than one page (100) of members, whether as a group's `members` or as listed Users.
    const memberCounts: { url: string; members: number }[] = [];
    const pending: Promise<void>[] = [];
    const inspect = (res: HTTPResponse) => {
      if (!res.url().includes('/scim/v2/') || res.request().method() !== 'GET') return;
      pending.push(
        res
          .json()
          .then((body: Record<string, unknown>) => {
            const resources = Array.isArray(body.Resources)
              ? (body.Resources as Record<string, unknown>[])
              : [];
            const listed = res.url().includes('/Users?') ? resources.length : 0;
            const inGroups = [body, ...resources].reduce(
              (n, r) => n + (Array.isArray(r.members) ? r.members.length : 0),
              0,
            );
            memberCounts.push({ url: res.url(), members: listed + inGroups });
          })
          .catch(() => undefined),
      );
    };
    page.on('response', inspect);
    await Promise.all([
      page.waitForSelector('main[data-ready="groups"]'),
      page.click('#group-results tbody a'),
    ]);
    await page.waitForSelector('#member-range');
    const rangeIs = (text: string) =>
      page.waitForFunction((t) => document.querySelector('#member-range')?.textContent === t, {}, text);
    await rangeIs('Members 1–100');
    expect(await page.$$eval('#member-page tbody tr', (rows) => rows.length)).toBe(100);
    await checkView('group');
    await page.click('#members-next');
    await rangeIs('Members 101–200');
    for (let i = 3; i <= 9; i++) {
      await page.click('#members-next');
      await rangeIs(`Members ${(i - 1) * 100 + 1}–${i * 100}`);
    }
    await page.click('#members-next');
    await rangeIs('Members 901–1000 (last page)');
    expect(await page.$eval('#members-next', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.click('#members-prev');
    await rangeIs('Members 801–900');
    page.off('response', inspect);
    await Promise.all(pending);
    const memberPages = memberCounts.filter((r) => r.url.includes('/Users?'));
    expect(memberPages).toHaveLength(11);
    expect(Math.max(...memberCounts.map((r) => r.members))).toBe(100);
    expect(memberCounts.filter((r) => r.members > 100)).toEqual([]);
  });

  it('connect: the base URL and a passing connection test; axe and keyboard on it', async () => {
    await openView(page, '#/connect');
    expect(await textOf(page, '#base-url')).toBe(`${env.origin}/scim/v2`);
    await page.click('#connect-test');
    await page.waitForSelector('#connect-verdict');
    expect(await textOf(page, '#connect-verdict')).toBe('Connection test passed');
    expect(
      await page.$$eval('#connect-results td:last-child', (cells) => cells.map((c) => c.textContent)),
    ).toEqual(['pass', 'pass', 'pass']);
    await checkView('connect');
  });

  it('keyboard: Tab to a nav link and Enter opens its view', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Users') break;
    }
    await Promise.all([page.waitForSelector('main[data-ready="users"]'), page.keyboard.press('Enter')]);
    expect(await textOf(page, 'main h1')).toBe('Users');
  });
});
