// `/feed.atom`: the newest releases as an Atom feed (site/src/lib/atom.ts).
import type { APIRoute } from 'astro';
import { siteIndex } from '../lib/load-index';
import { releaseFeed } from '../lib/atom';
import { FEED_FILE } from '../lib/paths';

export const GET: APIRoute = () => {
  const { model, settings, verified } = siteIndex();
  const base = import.meta.env.BASE_URL.replace(/^\//, '');
  const body = releaseFeed(model, {
    siteUrl: new URL(base, settings.siteUrl).href,
    feedPath: FEED_FILE,
    generatedAt: verified.index.generated_at,
  });
  return new Response(body, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
