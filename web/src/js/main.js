// The dashboard's entry point: the route table, the session check before any
// signed-in page (never on /login), the layout, and the view lifecycle.
import { getSession, loadSession, onUnauthorized, signOut } from './api.js';
import { defineRoutes, navigate, rememberNext, setRenderer, start } from './router.js';
import { createShell, logo } from './shell.js';
import { alertBox, busy, h, refreshTimes } from './ui.js';
import * as loginPage from './pages/login.js';
import * as overviewPage from './pages/overview.js';
import * as endpointsPage from './pages/endpoints.js';
import * as endpointPage from './pages/endpoint.js';
import * as eventsPage from './pages/events.js';
import * as eventPage from './pages/event.js';
import * as apiKeysPage from './pages/api_keys.js';
import * as usagePage from './pages/usage.js';
import * as notFoundPage from './pages/not_found.js';

defineRoutes([
  { path: '/login', page: loginPage },
  { path: '/', page: overviewPage },
  { path: '/endpoints', page: endpointsPage },
  { path: '/endpoints/:id', page: endpointPage },
  { path: '/events', page: eventsPage },
  { path: '/events/:id', page: eventPage },
  { path: '/api-keys', page: apiKeysPage },
  { path: '/usage', page: usagePage },
], notFoundPage);

const app = document.getElementById('app');
let shellMounted = false;

const shell = createShell({
  async onSignOut(button) {
    try {
      await busy(button, signOut);
      navigate('/login');
    } catch (err) {
      shell.main.prepend(alertBox(err));
    }
  },
});

function setTitle(title) {
  document.title = title ? `${title} · PromptJang` : 'PromptJang';
}

// Pages without the signed-in layout (sign in, errors before sign-in).
function mountBare() {
  shellMounted = false;
  const main = h('main', { id: 'main', class: 'bare-main', tabindex: '-1' });
  app.className = 'bare';
  app.replaceChildren(h('div', { class: 'bare-brand' }, logo()), main);
  return main;
}

function mountShell(session) {
  if (!shellMounted) {
    app.className = 'app';
    app.replaceChildren(shell.root);
    shellMounted = true;
  }
  shell.update(session);
  shell.setActive(location.pathname);
  shell.main.replaceChildren();
  shell.main.removeAttribute('aria-busy');
  return shell.main;
}

function showUnavailable(ctx, err) {
  const main = mountBare();
  setTitle('Unavailable');
  const retry = h('button', { type: 'button', class: 'btn btn-primary' }, 'Try again');
  retry.addEventListener('click', () => navigate(location.pathname + location.search, { replace: true }));
  main.append(h('div', { class: 'auth-card' },
    h('h1', null, 'Cannot load the dashboard'),
    alertBox(err),
    h('p', { class: 'muted' }, 'PromptJang did not answer as expected. Try again in a moment.'),
    retry));
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (!h1) return;
  h1.tabIndex = -1;
  h1.focus({ preventScroll: true });
}

function runPage(page, ctx, main, initial) {
  ctx.main = main;
  ctx.setTitle = setTitle;
  ctx.session = getSession();
  ctx.onSessionChange = (session) => shell.update(session);
  let result;
  try {
    result = page.render(ctx);
  } catch (err) {
    result = Promise.reject(err);
  }
  Promise.resolve(result).catch((err) => {
    if (!ctx.alive) return;
    main.append(alertBox(err));
  });
  if (!initial && page !== loginPage) focusHeading(main);
}

setRenderer(async (m, ctx, { initial }) => {
  if (m.page === loginPage) {
    runPage(loginPage, ctx, mountBare(), initial);
    return;
  }
  if (!getSession()) {
    try {
      await loadSession(ctx.signal);
    } catch (err) {
      if (ctx.alive) showUnavailable(ctx, err);
      return;
    }
    if (!ctx.alive) return;
  }
  runPage(m.page, ctx, mountShell(getSession()), initial);
});

// A 401 from any call: the session is gone; sign in and come back here.
onUnauthorized((hadSession) => {
  if (location.pathname === '/login') return;
  rememberNext(location.pathname + location.search);
  navigate('/login', {
    replace: true,
    flash: hadSession ? 'Your session has ended. Sign in again to continue.' : null,
  });
});

setInterval(() => refreshTimes(), 10000);
start();
