// The account's endpoints by id (id → URL), for showing an event's endpoint
// by its URL. Reads the list (never a single endpoint, whose 404 for a deleted
// one would be a console error).
import { api, withQuery } from './api.js';

export async function fetchEndpointUrls(signal, maxPages = 5) {
  const urls = new Map();
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await api.get(withQuery('/api/v1/endpoints', { limit: 100, cursor }), { signal });
    for (const ep of page.data) urls.set(ep.id, ep.url);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return urls;
}
