/**
 * The console's views. Each renders into <main> from SCIM, /Activity and /Events GETs and may
 * return a stop function (the Live view's poller). docs/CONSOLE.md lists each view's requests.
 */
import { API_BASE, ApiError, arr, describeError, get, type Json, literal, num, obj, query, str } from './api';
import { activityChart, type HourBucket } from './chart';
import { append, type Child, el, errorBox, replace, table } from './dom';

export type View = (main: HTMLElement, arg: string | undefined) => Promise<(() => void) | undefined>;

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const USERS_PAGE = 25;
const GROUPS_PAGE = 25;
const MEMBERS_PAGE = 100;

/** One page of a cursor-paged list, as a view shows it. */
interface ShownPage {
  readonly nodes: readonly Child[];
  /** The cursor of the next page; absent on the last. */
  readonly next?: string;
  /** Work once the page is on screen (the users list fills in each row's groups). */
  readonly afterShown?: () => Promise<void>;
}

/**
 * RFC 9865 cursor paging into `box`, the one pager of the Users, Groups and group-member
 * lists: page n is fetched with the cursor page n − 1 returned, under Previous/Next buttons
 * `#<id>-prev` and `#<id>-next`. `first()` starts again from page 1 (a new search).
 */
function cursorPager(
  box: HTMLElement,
  id: string,
  noun: string,
  fetchPage: (cursor: string, page: number) => Promise<ShownPage>,
): { first(): Promise<void> } {
  const cursors: string[] = [''];
  const load = async (page: number): Promise<void> => {
    replace(box, el('p', { class: 'muted' }, 'Loading…'));
    try {
      const shown = await fetchPage(cursors[page] ?? '', page);
      if (shown.next !== undefined) cursors[page + 1] = shown.next;
      replace(
        box,
        ...shown.nodes,
        el(
          'div',
          { class: 'bar' },
          el('button', { type: 'button', class: 'secondary', id: `${id}-prev`, disabled: page === 0, onclick: () => void load(page - 1) }, `Previous ${noun}`),
          el('button', { type: 'button', class: 'secondary', id: `${id}-next`, disabled: shown.next === undefined, onclick: () => void load(page + 1) }, `Next ${noun}`),
        ),
      );
      await shown.afterShown?.();
    } catch (error) {
      replace(box, errorBox(describeError(error)));
    }
  };
  return {
    first: () => {
      cursors.length = 1;
      return load(0);
    },
  };
}

/** `{ next }` when there is a next page (exactOptionalPropertyTypes: never `next: undefined`). */
const optionalNext = (next: string | undefined): { next?: string } => (next === undefined ? {} : { next });

/** A search form that restarts `pager` on submit. */
function searchesWith(form: HTMLFormElement, pager: { first(): Promise<void> }): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void pager.first();
  });
}

const heading = (text: string) => el('h1', {}, text);
const link = (href: string, text: string) => el('a', { href }, text);
const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function notAvailable(error: unknown, what: string): HTMLElement {
  if (error instanceof ApiError && error.status === 404) {
    return el('p', { class: 'muted' }, `${what} is not available on this server (404).`);
  }
  return errorBox(describeError(error));
}

/* ---------- Overview ---------- */

function card(label: string, value: string, id: string): HTMLElement {
  return el('div', { class: 'card' }, el('p', { class: 'label' }, label), el('p', { class: 'value', id }, value));
}

export const overview: View = async (main) => {
  const cards = el('div', { class: 'cards' });
  const chartBox = el('section', { 'aria-labelledby': 'chart-h' }, el('h2', { id: 'chart-h' }, 'Provisioning requests per hour (24 h)'));
  replace(main, heading('Overview'), cards, chartBox);
  const [all, deactivated, groups, summary] = await Promise.allSettled([
    get(`/Users${query({ count: 0 })}`),
    get(`/Users${query({ filter: 'active eq false', count: 0 })}`),
    get(`/Groups${query({ count: 0 })}`),
    get(`/Activity/Summary${query({ hours: 24 })}`),
  ]);
  const total = all.status === 'fulfilled' ? num(all.value.body, 'totalResults') : undefined;
  const off = deactivated.status === 'fulfilled' ? num(deactivated.value.body, 'totalResults') : undefined;
  const offText =
    off !== undefined
      ? String(off)
      : deactivated.status === 'rejected' && deactivated.reason instanceof ApiError && deactivated.reason.scimType === 'tooMany'
        ? 'not counted (over 10,000 users)'
        : 'unknown';
  const sum = summary.status === 'fulfilled' ? obj(summary.value.body) : undefined;
  append(
    cards,
    card('Users', total === undefined ? 'unknown' : String(total), 'count-users'),
    card('Active', total !== undefined && off !== undefined ? String(total - off) : 'unknown', 'count-active'),
    card('Deactivated', offText, 'count-deactivated'),
    card('Groups', groups.status === 'fulfilled' ? String(num(groups.value.body, 'totalResults') ?? 'unknown') : 'unknown', 'count-groups'),
    card('Last change', sum ? when(str(sum, 'lastChange')) : 'unknown', 'last-change'),
    card('Answered (24 h)', sum ? String(num(sum, 'answered') ?? 0) : 'unknown', 'count-answered'),
    card('Rejected (24 h)', sum ? String(num(sum, 'rejected') ?? 0) : 'unknown', 'count-rejected'),
  );
  if (all.status === 'rejected') append(main, errorBox(describeError(all.reason)));
  if (summary.status === 'rejected') {
    append(chartBox, notAvailable(summary.reason, 'The activity summary (/Activity/Summary)'));
    return undefined;
  }
  const hours: HourBucket[] = arr(sum, 'hours').map((h) => ({
    hour: str(h, 'hour') ?? '',
    answered: num(h, 'answered') ?? 0,
    rejected: num(h, 'rejected') ?? 0,
  }));
  append(
    chartBox,
    activityChart(hours),
    el(
      'p',
      { class: 'legend' },
      el('span', {}, el('span', { class: 'swatch answered' }), 'answered (2xx/3xx)'),
      el('span', {}, el('span', { class: 'swatch rejected' }), 'rejected (4xx/5xx)'),
    ),
  );
  return undefined;
};

/* ---------- Users ---------- */

function userFilter(prefix: string, status: string): string | undefined {
  const terms: string[] = [];
  if (prefix !== '') terms.push(`userName sw ${literal(prefix)}`);
  if (status === 'active') terms.push('active eq true');
  if (status === 'deactivated') terms.push('active eq false');
  return terms.length === 0 ? undefined : terms.join(' and ');
}

function personName(user: Json): string {
  const name = obj(obj(user)?.name);
  return str(name, 'formatted') ?? ([str(name, 'givenName'), str(name, 'familyName')].filter(Boolean).join(' ') || (str(user, 'displayName') ?? ''));
}

const emailsOf = (user: Json): string =>
  arr(user, 'emails')
    .map((e) => str(e, 'value'))
    .filter((v): v is string => v !== undefined)
    .join(', ');

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export const users: View = async (main) => {
  const prefix = el('input', { id: 'user-search', type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const status = el(
    'select',
    { id: 'user-status' },
    el('option', { value: 'all' }, 'all'),
    el('option', { value: 'active' }, 'active'),
    el('option', { value: 'deactivated' }, 'deactivated'),
  );
  const results = el('div', { id: 'user-results', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'bar', role: 'search' },
    el('label', { for: 'user-search' }, 'userName starts with'),
    prefix,
    el('label', { for: 'user-status' }, 'Status'),
    status,
    el('button', { type: 'submit' }, 'Search'),
  );
  replace(main, heading('Users'), form, results);
  const pager = cursorPager(results, 'users', 'page', async (cursor, page) => {
    const filter = userFilter(prefix.value.trim(), status.value);
    const res = await get(`/Users${query({ filter, count: USERS_PAGE, cursor })}`);
    const list = arr(res.body, 'Resources');
    const groupCells = new Map<string, HTMLElement>();
    const rows = list.map((u) => {
      const id = str(u, 'id') ?? '';
      const cell = el('span', { class: 'muted' }, '…');
      groupCells.set(id, cell);
      const active = obj(u)?.active !== false;
      return [
        link(`#/users/${encodeURIComponent(id)}`, str(u, 'userName') ?? id),
        personName(u),
        emailsOf(u),
        el('span', { class: active ? 'ok' : 'bad' }, active ? 'active' : 'deactivated'),
        cell,
      ];
    });
    const total = num(res.body, 'totalResults');
    return {
      nodes: [
        el('p', {}, `Page ${page + 1}${total !== undefined ? ` · ${total} matching users` : ''} · ${list.length} shown`),
        table('Users', ['userName', 'name', 'emails', 'status', 'groups'], rows),
      ],
      ...optionalNext(str(res.body, 'nextCursor')),
      // A listed user carries no groups (docs/CONSOLE.md): one GET per row, five at a time.
      afterShown: () =>
        eachLimited([...groupCells.entries()], 5, async ([id, cell]) => {
          try {
            const u = await get(`/Users/${encodeURIComponent(id)}${query({ attributes: 'groups' })}`);
            const names = arr(u.body, 'groups').map((g) => str(g, 'display') ?? str(g, 'value') ?? '');
            replace(cell, names.length === 0 ? '—' : names.join(', '));
            cell.className = '';
          } catch (error) {
            replace(cell, describeError(error));
          }
        }),
    };
  });
  searchesWith(form, pager);
  await pager.first();
  return undefined;
};

/* ---------- User detail ---------- */

/** Every attribute as `path → text` rows (extension attributes under their short path). */
function flatten(value: Json, path: string, rows: [string, string][]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, rows));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const key = k === ENTERPRISE ? 'enterprise' : k;
      flatten(v, path === '' ? key : `${path}.${key}`, rows);
    }
  } else if (value !== undefined) {
    rows.push([path, String(value)]);
  }
}

function attributeList(resource: Json, skip: readonly string[]): HTMLElement {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(obj(resource) ?? {})) {
    if (!skip.includes(k)) flatten(v, k === ENTERPRISE ? 'enterprise' : k, rows);
  }
  const list = el('dl', { class: 'attrs' });
  for (const [k, v] of rows) append(list, el('dt', {}, k), el('dd', {}, v));
  return list;
}

function activityRows(records: readonly Json[]): HTMLElement {
  return table(
    'Provisioning requests',
    ['time', 'request', 'resource', 'status', 'token', 'detail'],
    records.map((r) => {
      const status = num(r, 'status') ?? 0;
      return [
        when(str(r, 'time')),
        `${str(r, 'method') ?? ''} ${str(r, 'path') ?? ''}`.trim() || (str(r, 'operation') ?? ''),
        [str(r, 'resourceType'), str(r, 'resourceId')].filter(Boolean).join(' '),
        el('span', { class: status >= 400 ? 'bad' : 'ok' }, String(status)),
        str(r, 'tokenLabel') ?? str(r, 'tokenId') ?? '',
        status >= 400 ? [str(r, 'scimType'), str(r, 'detail')].filter(Boolean).join(': ') : arr(r, 'changedAttributes').join(', '),
      ];
    }),
  );
}

/** Short name of an RFC 9967 event URI (`…:event:prov:create:full` → `prov:create:full`). */
const eventName = (uri: string) => uri.replace(/^urn:ietf:params:scim:event:/, '');

function feedItem(set: Json): HTMLElement {
  const events = obj(obj(set)?.events) ?? {};
  const names = Object.keys(events).map(eventName).join(', ');
  const iat = num(set, 'iat');
  const sub = obj(set)?.sub_id;
  const ref = typeof sub === 'string' ? sub : (str(sub, 'uri') ?? str(sub, 'id') ?? '');
  // Notices name attributes; a `full` event carries a PatchOp (a member added or removed).
  const attrs = Object.values(events).flatMap((e) => [
    ...arr(e, 'attributes').map(String),
    ...arr(obj(e)?.data ?? null, 'Operations').map((o) =>
      [str(o, 'op'), str(o, 'path'), ...arr(o, 'value').map((v) => str(v, 'value'))].filter(Boolean).join(' '),
    ),
  ]);
  return el(
    'li',
    {},
    el('span', {}, iat === undefined ? '' : new Date(iat * 1000).toLocaleTimeString()),
    ' ',
    el('strong', {}, names),
    ' ',
    el('span', {}, ref),
    attrs.length > 0 ? el('span', { class: 'muted' }, ` (${attrs.join(', ')})`) : null,
  );
}

/** Feed pages read at most for one user's events (the feed has no per-resource filter). */
const FEED_PAGES_FOR_USER = 5;

export const userDetail: View = async (main, id) => {
  const userId = id ?? '';
  replace(main, heading('User'), el('p', { class: 'muted' }, 'Loading…'));
  let user: Json;
  try {
    user = (await get(`/Users/${encodeURIComponent(userId)}`)).body;
  } catch (error) {
    replace(main, heading('User'), errorBox(describeError(error)));
    return undefined;
  }
  const groups = arr(user, 'groups');
  const activityBox = el('section', { 'aria-labelledby': 'ua-h' }, el('h2', { id: 'ua-h' }, 'Provisioning activity'));
  const feedBox = el('section', { 'aria-labelledby': 'uf-h' }, el('h2', { id: 'uf-h' }, 'Change feed events'));
  replace(
    main,
    heading(str(user, 'userName') ?? userId),
    el('p', {}, link('#/users', '← All users')),
    el('section', { 'aria-labelledby': 'ut-h' }, el('h2', { id: 'ut-h' }, 'Attributes'), attributeList(user, ['schemas', 'groups'])),
    el(
      'section',
      { 'aria-labelledby': 'ug-h' },
      el('h2', { id: 'ug-h' }, `Groups (${groups.length})`),
      groups.length === 0
        ? el('p', { class: 'muted' }, 'Member of no group.')
        : el(
            'ul',
            { id: 'user-groups' },
            ...groups.map((g) => el('li', {}, link(`#/groups/${encodeURIComponent(str(g, 'value') ?? '')}`, str(g, 'display') ?? str(g, 'value') ?? ''))),
          ),
    ),
    activityBox,
    feedBox,
  );
  const [activity, feed] = await Promise.allSettled([
    get(`/Activity${query({ resourceId: userId, count: 50 })}`),
    (async () => {
      const found: Json[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < FEED_PAGES_FOR_USER; page++) {
        const res = await get(`/Events${query({ resourceType: 'User', count: 1000, cursor })}`);
        found.push(...arr(res.body, 'events').filter((e) => JSON.stringify(e).includes(userId)));
        cursor = str(res.body, 'cursor');
        if (obj(res.body)?.more !== true) break;
      }
      return found;
    })(),
  ]);
  if (activity.status === 'fulfilled') {
    const records = arr(activity.value.body, 'records');
    append(activityBox, records.length === 0 ? el('p', { class: 'muted' }, 'No requests recorded for this user.') : activityRows(records));
  } else {
    append(activityBox, notAvailable(activity.reason, 'Provisioning activity (/Activity)'));
  }
  if (feed.status === 'fulfilled') {
    append(
      feedBox,
      feed.value.length === 0
        ? el('p', { class: 'muted' }, 'No feed events for this user.')
        : el('ul', { class: 'plain feed' }, ...feed.value.reverse().map(feedItem)),
    );
  } else {
    append(feedBox, notAvailable(feed.reason, 'The change feed (/Events)'));
  }
  return undefined;
};

/* ---------- Groups ---------- */

export const groups: View = async (main) => {
  const name = el('input', { id: 'group-search', type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const results = el('div', { id: 'group-results', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'bar', role: 'search' },
    el('label', { for: 'group-search' }, 'displayName starts with'),
    name,
    el('button', { type: 'submit' }, 'Search'),
  );
  replace(main, heading('Groups'), form, results);
  const pager = cursorPager(results, 'groups', 'page', async (cursor, page) => {
    const prefix = name.value.trim();
    const base = { filter: prefix === '' ? undefined : `displayName sw ${literal(prefix)}`, count: GROUPS_PAGE, cursor };
    let counted = true;
    let res: Awaited<ReturnType<typeof get>>;
    try {
      res = await get(`/Groups${query({ ...base, attributes: 'displayName,externalId,members.value' })}`);
    } catch (error) {
      // A page whose groups hold more than 10,000 members in all: list it without members.
      if (!(error instanceof ApiError && error.scimType === 'tooMany')) throw error;
      counted = false;
      res = await get(`/Groups${query({ ...base, excludedAttributes: 'members' })}`);
    }
    const list = arr(res.body, 'Resources');
    const total = num(res.body, 'totalResults');
    return {
      nodes: [
        el('p', {}, `Page ${page + 1}${total !== undefined ? ` · ${total} matching groups` : ''}`),
        counted ? null : el('p', { class: 'muted' }, 'Member counts left out: this page holds more than 10,000 members.'),
        table(
          'Groups',
          ['displayName', 'externalId', 'members'],
          list.map((g) => [
            link(`#/groups/${encodeURIComponent(str(g, 'id') ?? '')}`, str(g, 'displayName') ?? ''),
            str(g, 'externalId') ?? '',
            counted ? String(arr(g, 'members').length) : '—',
          ]),
        ),
      ],
      ...optionalNext(str(res.body, 'nextCursor')),
    };
  });
  searchesWith(form, pager);
  await pager.first();
  return undefined;
};

export const groupDetail: View = async (main, id) => {
  const groupId = encodeURIComponent(id ?? '');
  replace(main, heading('Group'), el('p', { class: 'muted' }, 'Loading…'));
  let group: Json;
  try {
    group = (await get(`/Groups/${groupId}${query({ excludedAttributes: 'members' })}`)).body;
  } catch (error) {
    replace(main, heading('Group'), errorBox(describeError(error)));
    return undefined;
  }
  const membersBox = el('section', { 'aria-labelledby': 'gm-h' }, el('h2', { id: 'gm-h' }, 'Members'));
  replace(
    main,
    heading(str(group, 'displayName') ?? id ?? ''),
    el('p', {}, link('#/groups', '← All groups')),
    attributeList(group, ['schemas']),
    membersBox,
  );
  const pageBox = el('div', { id: 'member-page', 'aria-live': 'polite' });
  append(membersBox, pageBox);
  // One page of members at a time from the server (docs/GROUPS.md, paging a group's members):
  // GET /Users?filter=groups.value eq "<id>" with RFC 9865 cursors; never the whole member list.
  const filter = `groups.value eq ${literal(id ?? '')}`;
  const pager = cursorPager(pageBox, 'members', 'members', async (cursor, page) => {
    const res = await get(`/Users${query({ filter, count: MEMBERS_PAGE, cursor, attributes: 'userName,displayName' })}`);
    const list = arr(res.body, 'Resources');
    const next = str(res.body, 'nextCursor');
    const start = page * MEMBERS_PAGE;
    return {
      nodes: [
        el('p', { id: 'member-range' }, list.length === 0 ? (page === 0 ? 'No members.' : 'No more members.') : `Members ${start + 1}–${start + list.length}${next === undefined ? ' (last page)' : ''}`),
        list.length === 0
          ? null
          : table(
              'Members',
              ['member', 'id'],
              list.map((u) => [link(`#/users/${encodeURIComponent(str(u, 'id') ?? '')}`, str(u, 'displayName') ?? str(u, 'userName') ?? str(u, 'id') ?? ''), str(u, 'id') ?? '']),
            ),
      ],
      ...optionalNext(next),
    };
  });
  await pager.first();
  return undefined;
};

/* ---------- Activity ---------- */

export const activity: View = async (main) => {
  const status = el(
    'select',
    { id: 'activity-status' },
    el('option', { value: '' }, 'all'),
    el('option', { value: '2xx' }, '2xx answered'),
    el('option', { value: '4xx' }, '4xx rejected'),
    el('option', { value: '5xx' }, '5xx failed'),
  );
  const results = el('div', { id: 'activity-results', 'aria-live': 'polite' });
  replace(main, heading('Activity'), el('div', { class: 'bar' }, el('label', { for: 'activity-status' }, 'Status'), status), results);
  const load = async (cursor?: string) => {
    try {
      const res = await get(`/Activity${query({ status: status.value || undefined, count: 50, cursor })}`);
      const records = arr(res.body, 'records');
      const next = str(res.body, 'cursor');
      const more = el('button', { type: 'button', class: 'secondary', id: 'activity-more', disabled: next === undefined }, 'Older requests');
      more.addEventListener('click', () => {
        more.remove();
        void load(next);
      });
      if (cursor === undefined) replace(results);
      append(results, records.length === 0 && cursor === undefined ? el('p', { class: 'muted' }, 'No requests in the last 24 hours.') : activityRows(records), more);
    } catch (error) {
      replace(results, notAvailable(error, 'Provisioning activity (/Activity)'));
    }
  };
  status.addEventListener('change', () => void load());
  await load();
  return undefined;
};

/* ---------- Live ---------- */

const LIVE_POLL_MS = 2000;

export const live: View = async (main) => {
  const state = el('p', { id: 'live-state', role: 'status' }, 'Connecting…');
  const list = el('ul', { class: 'plain feed', id: 'live-events' });
  const toggle = el('button', { type: 'button', id: 'live-toggle' }, 'Pause');
  replace(main, heading('Live'), el('div', { class: 'bar' }, toggle, state), list);
  let cursor: string | undefined;
  let paused = false;
  let stopped = false;
  let timer: number | undefined;
  const poll = async () => {
    if (stopped || paused) return;
    try {
      const res = await get(`/Events${query(cursor === undefined ? { start: 'now' } : { cursor, count: 100 })}`);
      cursor = str(res.body, 'cursor') ?? cursor;
      for (const set of arr(res.body, 'events')) list.insertBefore(feedItem(set), list.firstChild);
      replace(state, `Listening · last checked ${new Date().toLocaleTimeString()}`);
      const again = obj(res.body)?.more === true ? 0 : LIVE_POLL_MS;
      if (!stopped) timer = window.setTimeout(() => void poll(), again);
    } catch (error) {
      replace(state, '');
      append(state, notAvailable(error, 'The change feed (/Events)'));
    }
  };
  toggle.addEventListener('click', () => {
    paused = !paused;
    replace(toggle, paused ? 'Resume' : 'Pause');
    if (paused) {
      window.clearTimeout(timer);
      replace(state, 'Paused');
    } else void poll();
  });
  await poll();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
};

/* ---------- Connect ---------- */

interface Check {
  readonly name: string;
  readonly path: string;
  readonly pass: (body: Json) => boolean;
}

/** What Okta's Test Connector Configuration sends, then the look-ups its first pushes make (docs/OKTA.md). */
const CHECKS: readonly Check[] = [
  {
    name: "Okta's connector test: GET /Users?startIndex=1&count=2",
    path: '/Users?startIndex=1&count=2',
    pass: (b) => Array.isArray(obj(b)?.Resources) && num(b, 'totalResults') !== undefined,
  },
  {
    name: 'Create-user look-up: GET /Users?filter=userName eq "…" (a name that does not exist)',
    path: `/Users${query({ filter: `userName eq ${literal('okta-connection-check@example.invalid')}`, startIndex: 1, count: 100 })}`,
    pass: (b) => num(b, 'totalResults') === 0,
  },
  {
    name: 'Push Groups: GET /Groups?startIndex=1&count=2',
    path: '/Groups?startIndex=1&count=2',
    pass: (b) => Array.isArray(obj(b)?.Resources),
  },
];

export const connect: View = async (main) => {
  const baseUrl = `${location.origin}${API_BASE}`;
  const results = el('div', { id: 'connect-results', role: 'status' });
  const run = el('button', { type: 'button', id: 'connect-test' }, 'Test connection');
  run.addEventListener('click', () => {
    void (async () => {
      run.disabled = true;
      const rows: HTMLElement[][] = [];
      for (const check of CHECKS) {
        try {
          const res = await get(check.path);
          const ok = check.pass(res.body);
          rows.push([el('span', {}, check.name), el('span', { class: ok ? 'ok' : 'bad' }, ok ? 'pass' : 'fail: unexpected body')]);
        } catch (error) {
          rows.push([el('span', {}, check.name), el('span', { class: 'bad' }, `fail: ${describeError(error)}`)]);
        }
      }
      const passed = rows.every((r) => r[1]?.className === 'ok');
      replace(
        results,
        el('p', { class: passed ? 'ok' : 'bad', id: 'connect-verdict' }, passed ? 'Connection test passed' : 'Connection test failed'),
        table('Connection checks', ['request', 'result'], rows),
      );
      run.disabled = false;
    })();
  });
  replace(
    main,
    heading('Connect'),
    el('p', {}, 'Paste these into the identity provider (Okta: app → Provisioning → Integration).'),
    el(
      'dl',
      { class: 'attrs' },
      el('dt', {}, 'SCIM connector base URL'),
      el('dd', {}, el('code', { id: 'base-url' }, baseUrl)),
      el('dt', {}, 'Unique identifier field for users'),
      el('dd', {}, el('code', {}, 'userName')),
      el('dt', {}, 'Supported provisioning actions'),
      el('dd', {}, 'Push New Users, Push Profile Updates, Push Groups'),
      el('dt', {}, 'Authentication Mode'),
      el('dd', {}, 'HTTP Header (Authorization: Bearer <token>)'),
      el('dt', {}, 'To App'),
      el('dd', {}, 'Create Users, Update User Attributes, Deactivate Users; Sync Password off'),
      el('dt', {}, 'Token'),
      el('dd', {}, 'a write token for the identity provider (npm run token -- create); this console needs only a read token'),
    ),
    el('h2', {}, 'Test connection'),
    el('p', {}, 'Runs, with the token you signed in with, the requests Okta makes when you click Test Connector Configuration and when it first pushes.'),
    run,
    results,
  );
  return undefined;
};
