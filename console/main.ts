/**
 * The console's entry: sign-in (a pasted token kept in sessionStorage only), sign-out, and the
 * hash router (#/overview, #/users, #/users/<id>, #/groups, #/groups/<id>, #/activity, #/live,
 * #/connect). Views live in views.ts; every value reaches the page as text (dom.ts).
 */
import { ApiError, describeError, get, token } from './api';
import { append, el, errorBox, replace } from './dom';
import { activity, connect, groupDetail, groups, live, overview, userDetail, users, type View } from './views';

const ROUTES: Readonly<Record<string, { view: View; detail?: View; title: string }>> = {
  overview: { view: overview, title: 'Overview' },
  users: { view: users, detail: userDetail, title: 'Users' },
  groups: { view: groups, detail: groupDetail, title: 'Groups' },
  activity: { view: activity, title: 'Activity' },
  live: { view: live, title: 'Live' },
  connect: { view: connect, title: 'Connect' },
};

const byId = (id: string): HTMLElement => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from the page`);
  return node;
};

const main = byId('main');
const nav = byId('nav');
const notice = byId('notice');
const who = byId('who');
const signOut = byId('sign-out');

let stopView: (() => void) | undefined;
let renderCount = 0;

function showNotice(text: string | undefined): void {
  notice.hidden = text === undefined;
  replace(notice, text ?? '');
}

/** The scope the server reported for the token (X-Token-Scope), or null when it did not say. */
function showScope(scope: string | null): void {
  replace(who, scope === null ? 'Signed in' : `Signed in with a ${scope} token`);
  showNotice(
    scope === 'write'
      ? 'This is a write token: it can change the directory. The console only reads; sign in with a read token instead.'
      : undefined,
  );
}

function signedOut(message?: string): void {
  stopView?.();
  stopView = undefined;
  token.clear();
  nav.hidden = true;
  signOut.hidden = true;
  replace(who, '');
  showNotice(undefined);
  document.title = 'Sign in · SCIM console';
  const input = el('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const form = el(
    'form',
    { class: 'signin' },
    el('h1', {}, 'Sign in'),
    el('p', {}, 'Paste a read token. It is kept in this tab only (sessionStorage) and sent as a Bearer header.'),
    el('label', { for: 'token' }, 'Token'),
    input,
    el('button', { type: 'submit' }, 'Sign in'),
    message === undefined ? null : errorBox(message),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim().replace(/^Bearer\s+/i, '');
    if (value === '') return;
    token.set(value);
    void verify().then((ok) => {
      if (ok) {
        if (location.hash === '' || location.hash === '#/' || location.hash === '#') location.hash = '#/overview';
        else void render();
      }
    });
  });
  replace(main, form);
  input.focus();
}

/** Checks the stored token with one GET that touches no table; false (and signed out) when refused. */
async function verify(): Promise<boolean> {
  try {
    const res = await get('/ServiceProviderConfig');
    nav.hidden = false;
    signOut.hidden = false;
    showScope(res.scope);
    return true;
  } catch (error) {
    signedOut(
      error instanceof ApiError && error.status === 401
        ? 'The token was refused (401): check that it is complete, current, and for this server.'
        : describeError(error),
    );
    return false;
  }
}

async function render(): Promise<void> {
  if (token.get() === null) {
    signedOut();
    return;
  }
  stopView?.();
  stopView = undefined;
  const [name = 'overview', arg] = location.hash.replace(/^#\/?/, '').split('/');
  const route = ROUTES[name] ?? ROUTES.overview;
  if (!route) return;
  const view = arg !== undefined && route.detail ? route.detail : route.view;
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${ROUTES[name] ? name : 'overview'}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${route.title} · SCIM console`;
  delete main.dataset.ready;
  const mine = ++renderCount;
  try {
    const stop = await view(main, arg === undefined ? undefined : decodeURIComponent(arg));
    if (mine === renderCount) stopView = stop;
    else stop?.();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut('The token is no longer accepted (401).');
    else append(main, errorBox(describeError(error)));
  }
  if (mine === renderCount) main.dataset.ready = name;
}

signOut.addEventListener('click', () => {
  signedOut();
  history.replaceState(null, '', location.pathname);
});
window.addEventListener('hashchange', () => void render());

if (token.get() === null) signedOut();
else
  void verify().then(async (ok) => {
    if (ok) await render();
  });
