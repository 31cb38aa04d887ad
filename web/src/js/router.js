// Client-side routing with the History API: matches the address to a page,
// intercepts same-origin link clicks, and gives each page view a context whose
// timers and requests are stopped when the user leaves it.

let routes = [];
let notFound = null;
let renderer = null;
let current = null; // the context of the view on screen
let pendingFlash = null;

// list: [{ path: '/events/:id', page }]; notFoundPage: shown for anything else.
export function defineRoutes(list, notFoundPage) {
  routes = list.map(({ path, page }) => {
    const names = [];
    const source = path.replace(/:([a-z_]+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    });
    return { page, names, re: new RegExp(`^${source}/?$`) };
  });
  notFound = notFoundPage;
}

// fn(match, ctx, { initial }) draws the view; set by main.js.
export function setRenderer(fn) {
  renderer = fn;
}

export function match(pathname) {
  for (const r of routes) {
    const m = r.re.exec(pathname);
    if (!m) continue;
    const params = {};
    try {
      r.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
    } catch {
      return { page: notFound, params: {} };
    }
    return { page: r.page, params };
  }
  return { page: notFound, params: {} };
}

function createContext() {
  const controller = new AbortController();
  const cleanups = [];
  return {
    signal: controller.signal,
    onCleanup(fn) { cleanups.push(fn); },
    get alive() { return !controller.signal.aborted; },
    dispose() {
      controller.abort();
      for (const fn of cleanups.splice(0).reverse()) {
        try { fn(); } catch { /* a cleanup must not stop the others */ }
      }
    },
  };
}

function render(initial = false) {
  if (current) current.dispose();
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  const ctx = createContext();
  current = ctx;
  const m = match(location.pathname);
  ctx.params = m.params;
  ctx.query = new URLSearchParams(location.search);
  renderer(m, ctx, { initial });
}

export function navigate(path, { replace = false, flash = null } = {}) {
  pendingFlash = flash;
  const same = path === location.pathname + location.search;
  if (replace || same) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render(false);
  if (!replace) window.scrollTo(0, 0);
}

// Updates the address (e.g. the events page's filters) without redrawing.
export function replaceQuery(params) {
  const s = params.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

// A one-time success message for the next view ("Endpoint deleted").
export function takeFlash() {
  const f = pendingFlash;
  pendingFlash = null;
  return f;
}

function onClick(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.('a[href]');
  if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}

export function start() {
  window.addEventListener('popstate', () => {
    pendingFlash = null;
    render(false);
  });
  document.addEventListener('click', onClick);
  render(true);
}

// Where to go after signing in, kept across a reload of /login.
const NEXT_KEY = 'pj.next';

export function rememberNext(path) {
  try { sessionStorage.setItem(NEXT_KEY, path); } catch { /* storage may be off */ }
}

export function takeNext() {
  let next = null;
  try {
    next = sessionStorage.getItem(NEXT_KEY);
    sessionStorage.removeItem(NEXT_KEY);
  } catch { /* storage may be off */ }
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}
