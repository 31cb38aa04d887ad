// The JSON API client: same-origin fetch with the session cookie, the CSRF
// token on every state-changing request, errors as ApiError (the API's
// message), and a 401 sending the user back to the sign-in page.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const state = {
  session: null,
  onUnauthorized: () => {},
};

export function getSession() {
  return state.session;
}

export function setSession(session) {
  state.session = session;
}

export function onUnauthorized(fn) {
  state.onUnauthorized = fn;
}

// A promise that never settles: the answer of a request whose page is gone
// (aborted) or whose session ended (the app is on its way to /login).
const never = () => new Promise(() => {});

async function send(method, path, { body, signal, raw = false, authRedirect = true } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && state.session) {
    headers['X-CSRF-Token'] = state.session.csrf_token;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (signal?.aborted || err?.name === 'AbortError') return never();
    throw new ApiError(0, 'network', 'Could not reach PromptJang. Check your connection and try again.');
  }
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    if (signal?.aborted) return never();
    throw new ApiError(0, 'network', 'The connection was interrupted. Try again.');
  }
  if (signal?.aborted) return never();
  if (!res.ok) {
    let code = 'http_error';
    let message = `The request failed (HTTP ${res.status}).`;
    try {
      const err = JSON.parse(text).error;
      if (err?.code) code = err.code;
      if (err?.message) message = err.message;
    } catch { /* not JSON: keep the generic message */ }
    const retry = res.headers.get('Retry-After');
    if (res.status === 401 && authRedirect) {
      const hadSession = state.session !== null;
      state.session = null;
      state.onUnauthorized(hadSession);
      return never();
    }
    throw new ApiError(res.status, code, message, retry === null ? null : Number(retry));
  }
  if (res.status === 204 || text === '') return raw ? { text: '', data: null } : null;
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'bad_response', 'PromptJang sent an answer the dashboard could not read.');
  }
  return raw ? { text, data } : data;
}

// Retries once after a csrf_failed (the session was renewed in another tab).
async function request(method, path, opts = {}) {
  try {
    return await send(method, path, opts);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403 && err.code === 'csrf_failed' && method !== 'GET') {
      const session = await send('GET', '/api/v1/session', { signal: opts.signal });
      state.session = session;
      return send(method, path, opts);
    }
    throw err;
  }
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, body = {}, opts) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  del: (path, opts) => request('DELETE', path, opts),
};

// '/api/v1/events' + {status: 'EXPIRED', cursor: null} → '/api/v1/events?status=EXPIRED'
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export const enc = encodeURIComponent;

// Session routes.
export async function signIn(email, password) {
  const session = await send('POST', '/api/v1/session', { body: { email, password }, authRedirect: false });
  state.session = session;
  return session;
}

export async function loadSession(signal) {
  const session = await send('GET', '/api/v1/session', { signal });
  state.session = session;
  return session;
}

export async function signOut() {
  try {
    await send('DELETE', '/api/v1/session', { authRedirect: false });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  state.session = null;
}
