// `/plugins.json`: the index file exactly as the build read and verified it —
// the original bytes, never re-serialised JSON, so its signatures still verify.
import type { APIRoute } from 'astro';
import { siteIndex } from '../lib/load-index';

export const GET: APIRoute = () =>
  new Response(siteIndex().bytes, { headers: { 'Content-Type': 'application/json' } });
