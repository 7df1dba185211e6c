// The search page over the Pagefind index (site/src/lib/search-records.ts)
// and the facet table (site/src/lib/search-facets.ts).
// State lives in the URL with the names the GET form submits (?q=…&type=…&sort=…;
// site/src/lib/url-state.ts): typing replaces the history entry, ticking a
// facet or changing the sort pushes one, back/forward restore the state.
//
// Pagefind only matches the text: the facet table names each row's Pagefind
// page, so the page asks Pagefind, per distinct query, only for the matching
// results — never with filters or a sort, whose cost
// in Pagefind's worker grows with the catalog times the results (see
// search-facets.ts), and never for a result's data. Filtering, the facet
// counts (the usual rule of site/src/lib/facets.ts: a facet's counts apply
// every other selection but not its own) and the sort are one linear pass
// over the facet table; a facet click or a sort change with the same query
// does not call Pagefind at all. The shown cards come from the card files
// (/search-cards/<k>.json, site/src/lib/search-cards.ts), fetched for the
// shown rows only and kept. An option counting zero cannot be ticked.
// When a text query finds nothing, the did-you-mean term list
// (/search-terms.json, loaded only then) suggests the nearest known words.
// If the facet table or a card file is unreadable or describes another
// catalog than the Pagefind index, the page says so (SEARCH_FACETS_INVALID /
// SEARCH_FACETS_MISMATCH) and shows no results rather than wrong ones.
import { FACETS, type CatalogState, type FacetName } from '../lib/facets';
import { decodeState, encodeState } from '../lib/url-state';
import { SORTS, type SortName } from '../lib/listing';
import { suggestQuery } from '../lib/suggest';
import {
  SEARCH_FACETS_FILE,
  SEARCH_FACETS_INVALID,
  SEARCH_FACETS_MISMATCH,
  SearchFacetsError,
  answerFacets,
  pagefindIndexTag,
  decodeSearchFacets,
  sortRows,
  type FacetTable,
} from '../lib/search-facets';
import { CARDS_PER_FILE, cardFileOf, decodeSearchCards, type SearchCard } from '../lib/search-cards';
import { pluginPath, publisherPath } from '../lib/paths';

interface PagefindResult {
  id: string;
}
interface PagefindSearch {
  results: PagefindResult[];
}
interface Pagefind {
  options: (o: Record<string, unknown>) => Promise<void>;
  init: () => Promise<void>;
  search: (q: string | null, o: Record<string, unknown>) => Promise<PagefindSearch | null>;
}

const BATCH = 24;
const base = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;
const form = document.querySelector<HTMLFormElement>('[data-search-form]');
const list = document.querySelector<HTMLUListElement>('[data-results]');
const status = document.querySelector<HTMLElement>('[data-result-count]');
const more = document.querySelector<HTMLButtonElement>('[data-more]');
const suggestion = document.querySelector<HTMLElement>('[data-suggestion]');
const suggestionLink = document.querySelector<HTMLAnchorElement>('[data-suggestion-link]');

type SearchState = { state: CatalogState; sort: SortName };

function readSort(params: URLSearchParams): SortName {
  const s = params.get('sort');
  return (SORTS as readonly string[]).includes(s ?? '') ? (s as SortName) : 'name';
}

function fromSearch(search: string): SearchState {
  const params = new URLSearchParams(search);
  return { state: decodeState(params), sort: readSort(params) };
}

function toSearch(s: SearchState): string {
  const q = encodeState(s.state);
  if (s.sort === 'name') return q;
  return `${q === '' ? '?' : `${q}&`}sort=${s.sort}`;
}

/** A file of the search's own (the facet table, a card file) as JSON; anything else is SEARCH_FACETS_INVALID. */
async function searchJson(url: string): Promise<unknown> {
  const r = await fetch(url);
  if (!r.ok) throw new SearchFacetsError(SEARCH_FACETS_INVALID, `expected ${url}, the server answered HTTP ${r.status}`);
  try {
    return (await r.json()) as unknown;
  } catch {
    throw new SearchFacetsError(SEARCH_FACETS_INVALID, `expected JSON in ${url}, found something else`);
  }
}

/** Pagefind and the facet table (whose `rowOf` maps a Pagefind result to its row). */
interface Engine {
  pf: Pagefind;
  table: FacetTable;
}
let engine: Promise<Engine> | undefined;
function loadEngine(): Promise<Engine> {
  engine ??= (async () => {
    const [pf, table, entry] = await Promise.all([
      (async () => {
        const pf = (await import(/* @vite-ignore */ `${base}pagefind/pagefind.js`)) as Pagefind;
        await pf.options({ basePath: `${base}pagefind/` });
        await pf.init();
        return pf;
      })(),
      searchJson(`${base}${SEARCH_FACETS_FILE}`).then(decodeSearchFacets),
      // Which Pagefind index this is, and its size (its entry file, which Pagefind reads too).
      (async () => {
        const url = `${base}pagefind/pagefind-entry.json`;
        const r = await fetch(url);
        const json: unknown = r.ok ? await r.json().catch(() => undefined) : undefined;
        const tag = pagefindIndexTag(json);
        if (tag === undefined) throw new Error(`expected the Pagefind index's entry file at ${url}, found none`);
        const langs = Object.values((json as { languages: Record<string, { page_count?: unknown }> }).languages);
        return { tag, pages: langs.reduce((a, l) => a + (typeof l.page_count === 'number' ? l.page_count : NaN), 0) };
      })(),
    ]);
    if (entry.tag !== table.index) throw new SearchFacetsError(SEARCH_FACETS_MISMATCH, `expected the Pagefind index ${table.index}, found ${entry.tag}`);
    if (entry.pages !== table.count) throw new SearchFacetsError(SEARCH_FACETS_MISMATCH, `expected ${table.count} plugins in the Pagefind index, found ${entry.pages}`);
    return { pf, table };
  })();
  return engine;
}

/** The rows a text query matches (the last query's are kept: a facet click or sort change reuses them). */
let lastText: { q: string; rows: Uint32Array } | undefined;
async function textRows(e: Engine, q: string): Promise<Uint32Array | undefined> {
  if (lastText?.q === q) return lastText.rows;
  const found = await e.pf.search(q, {});
  if (found === null) return undefined;
  const rows = new Uint32Array(found.results.length);
  found.results.forEach((r, i) => {
    const row = e.table.rowOf.get(r.id);
    if (row === undefined) throw new SearchFacetsError(SEARCH_FACETS_MISMATCH, `expected every Pagefind result to be one of the catalog's plugins, found ${r.id}`);
    rows[i] = row;
  });
  lastText = { q, rows };
  return rows;
}

/** Card files by number (`k` holds rows k·CARDS_PER_FILE…), loaded once each. */
const cardFiles = new Map<number, Promise<SearchCard[]>>();
function loadCardFile(k: number, count: number, index: string): Promise<SearchCard[]> {
  let file = cardFiles.get(k);
  if (file === undefined) {
    const url = `${base}${cardFileOf(k * CARDS_PER_FILE)}`;
    file = searchJson(url).then((json) => decodeSearchCards(json, k * CARDS_PER_FILE, count, index).cards);
    // A failed load is tried again next time (the page says why meanwhile).
    file.catch(() => cardFiles.delete(k));
    cardFiles.set(k, file);
  }
  return file;
}
/** The cards of some rows, in their order (each card file fetched at most once, in parallel). */
async function cardsOf(e: Engine, rows: ArrayLike<number>): Promise<SearchCard[]> {
  const ks = new Set<number>();
  for (let i = 0; i < rows.length; i++) ks.add(Math.floor(rows[i]! / CARDS_PER_FILE));
  const files = new Map(await Promise.all([...ks].map(async (k) => [k, await loadCardFile(k, e.table.count, e.table.index)] as const)));
  return Array.from(rows, (r) => files.get(Math.floor(r / CARDS_PER_FILE))![r % CARDS_PER_FILE]!);
}

let terms: Promise<string[]> | undefined;
function loadTerms(): Promise<string[]> {
  terms ??= fetch(`${base}search-terms.json`).then((r) => (r.ok ? (r.json() as Promise<string[]>) : []));
  return terms;
}

function isBlank(s: CatalogState): boolean {
  return s.q.trim() === '' && FACETS.every((f) => s[f].length === 0);
}

function card(m: SearchCard): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'card';
  li.dataset.id = m.id;
  const h = li.appendChild(document.createElement('h3'));
  const a = h.appendChild(document.createElement('a'));
  a.href = pluginPath(base, m.id);
  a.textContent = m.title || m.id;
  const line = li.appendChild(document.createElement('p'));
  line.appendChild(document.createElement('code')).textContent = m.id;
  line.append(` · ${m.type} plugin by `);
  const pub = line.appendChild(document.createElement('a'));
  pub.href = publisherPath(base, m.publisherId);
  pub.textContent = m.publisher;
  if (m.summary) li.appendChild(document.createElement('p')).textContent = m.summary;
  const meta = li.appendChild(document.createElement('ul'));
  meta.className = 'meta';
  const risk = meta.appendChild(document.createElement('li')).appendChild(document.createElement('span'));
  risk.className = `risk ${m.riskClass}`;
  risk.textContent = m.risk;
  if (m.version) meta.appendChild(document.createElement('li')).textContent = m.version;
  if (m.updated) {
    const li2 = meta.appendChild(document.createElement('li'));
    li2.append('updated ');
    const t = li2.appendChild(document.createElement('time'));
    t.dateTime = m.updated;
    t.textContent = m.updated.slice(0, 10);
  }
  return li;
}

if (form && list && status) {
  const query = form.querySelector<HTMLInputElement>('input[name="q"]')!;
  const sortSelect = form.querySelector<HTMLSelectElement>('select[name="sort"]')!;
  const boxes = Array.from(form.querySelectorAll<HTMLInputElement>('input[type="checkbox"]'));
  const counters = new Map<string, HTMLElement>();
  for (const el of form.querySelectorAll<HTMLElement>('[data-count-for]')) counters.set(el.dataset.countFor ?? '', el);
  let seq = 0;
  let pending: Uint32Array = new Uint32Array(0);

  const readForm = (): SearchState => {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string') params.append(k, v);
    return { state: decodeState(params), sort: readSort(params) };
  };

  const showState = (s: SearchState): void => {
    if (query.value !== s.state.q) query.value = s.state.q;
    sortSelect.value = s.sort;
    for (const box of boxes) box.checked = (s.state[box.name as FacetName] ?? []).includes(box.value);
  };

  const showCounts = (counts: Partial<Record<FacetName, Record<string, number>>>): void => {
    for (const [key, el] of counters) {
      const eq = key.indexOf('=');
      const f = key.slice(0, eq) as FacetName;
      const n = counts[f]?.[key.slice(eq + 1)] ?? 0;
      // Write only what changed: each write invalidates style and layout.
      const text = String(n);
      if (el.textContent !== text) el.textContent = text;
      const box = el.closest('label')?.querySelector<HTMLInputElement>('input');
      // A zero-count option cannot be ticked (a ticked one can still be unticked).
      const off = n === 0 && !box?.checked;
      if (box && box.disabled !== off) box.disabled = off;
    }
  };

  const showMore = async (mine: number): Promise<void> => {
    const batch = pending.subarray(0, BATCH);
    pending = pending.subarray(BATCH);
    let cards: SearchCard[];
    try {
      cards = await cardsOf(await loadEngine(), batch);
    } catch (err) {
      if (mine === seq) unavailable(lastState, err);
      return;
    }
    if (mine !== seq) return;
    list.append(...cards.map(card));
    if (more) more.hidden = pending.length === 0;
  };

  // Show a finished answer in one synchronous write: the browser lays out and
  // paints the page once per answer, not once for the emptied list and again
  // for the cards (at 20k that first frame alone cost more than the search).
  // Until then the previous answer stays in place.
  interface Answer {
    s: SearchState;
    n: number;
    counts: Partial<Record<FacetName, Record<string, number>>>;
    first: SearchCard[];
    rest: Uint32Array;
    better: string | undefined;
  }
  // Pagefind's worker loads its metadata and WebAssembly, and compiles its
  // search, on its first search; the first answer needs no Pagefind when the
  // URL has no query. After the first answer, once the page is idle, one
  // search for a word of the first card shown does that work, so a search
  // typed later pays only for its own words. Its result is not used; an
  // error surfaces on a real search.
  let warmed = false;
  const warm = (): void => {
    const word = list.querySelector('.card code')?.textContent?.match(/[a-z]{3,}/i)?.[0];
    if (word === undefined) return;
    void loadEngine()
      .then((e) => e.pf.search(word, {}))
      .catch(() => undefined);
  };
  const show = (a: Answer): void => {
    if (!warmed) {
      warmed = true;
      if ('requestIdleCallback' in window) window.requestIdleCallback(warm, { timeout: 2000 });
      else window.setTimeout(warm, 500);
    }
    showCounts(a.counts);
    list.replaceChildren(...a.first.map(card));
    pending = a.rest;
    if (more) more.hidden = pending.length === 0;
    if (suggestion && suggestionLink) {
      if (a.better !== undefined) {
        const target: SearchState = { state: { ...a.s.state, q: a.better }, sort: a.s.sort };
        suggestionLink.href = `${location.pathname}${toSearch(target)}`;
        suggestionLink.textContent = a.better;
      }
      suggestion.hidden = a.better === undefined;
    }
    // The count last, once the cards are in place (it is the live region).
    status.textContent = isBlank(a.s.state) ? `All ${a.n} plugin${a.n === 1 ? '' : 's'}` : `${a.n} plugin${a.n === 1 ? '' : 's'} found`;
    delete list.dataset.searchError;
    list.dataset.answered = toSearch(a.s);
  };

  const unavailable = (s: SearchState, err: unknown): void => {
    const code = err instanceof SearchFacetsError ? err.code : 'SEARCH_UNAVAILABLE';
    list.replaceChildren();
    pending = new Uint32Array(0);
    if (more) more.hidden = true;
    list.dataset.searchError = code;
    status.textContent = `Search is unavailable: ${err instanceof Error ? err.message : String(err)}. Every plugin is on the listing pages.`;
    list.dataset.answered = toSearch(s);
  };

  let lastState: SearchState = fromSearch('');
  const run = async (s: SearchState): Promise<void> => {
    const mine = ++seq;
    lastState = s;
    delete list.dataset.answered;
    try {
      const e = await loadEngine();
      const q = s.state.q.trim() === '' ? null : s.state.q.trim();
      const candidates = q === null ? null : await textRows(e, q);
      if (mine !== seq || candidates === undefined) return;
      const { rows, counts } = answerFacets(e.table, candidates, s.state);
      const results = sortRows(e.table, rows, s.sort);
      const n = results.length;
      // The first cards (their card files, fetched in parallel) and, for a
      // text query that found nothing, the did-you-mean term: both before the
      // one write that shows the answer.
      const first = await cardsOf(e, results.subarray(0, BATCH));
      if (mine !== seq) return;
      let better: string | undefined;
      if (n === 0 && q !== null && suggestion && suggestionLink) {
        better = suggestQuery(q, await loadTerms());
        if (mine !== seq) return;
      }
      show({ s, n, counts, first, rest: results.subarray(BATCH), better });
    } catch (err) {
      if (mine === seq) unavailable(s, err);
    }
  };

  const commit = (s: SearchState, mode: 'push' | 'replace'): void => {
    const url = `${location.pathname}${toSearch(s)}`;
    if (url !== `${location.pathname}${location.search}`) {
      if (mode === 'push') history.pushState(null, '', url);
      else history.replaceState(null, '', url);
    }
    void run(s);
  };

  let typing: number | undefined;
  form.addEventListener('input', (event) => {
    if (event.target !== query) return;
    window.clearTimeout(typing);
    typing = window.setTimeout(() => commit(readForm(), 'replace'), 150);
  });
  form.addEventListener('change', (event) => {
    const t = event.target as HTMLElement | null;
    if (t?.matches('input[type="checkbox"], select')) commit(readForm(), 'push');
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.clearTimeout(typing);
    commit(readForm(), 'push');
  });
  more?.addEventListener('click', () => void showMore(seq));
  suggestionLink?.addEventListener('click', (event) => {
    event.preventDefault();
    const s = fromSearch(new URL(suggestionLink.href).search);
    showState(s);
    commit(s, 'push');
  });
  document.querySelector('[data-clear-filters]')?.addEventListener('click', (event) => {
    event.preventDefault();
    const empty = fromSearch('');
    showState(empty);
    commit(empty, 'push');
    query.focus();
  });
  window.addEventListener('popstate', () => {
    const s = fromSearch(location.search);
    showState(s);
    void run(s);
  });

  // Honour a shared link or a no-JavaScript form submission; the URL becomes canonical.
  const initial = fromSearch(location.search);
  showState(initial);
  commit(initial, 'replace');
  form.querySelector<HTMLElement>('details[data-filters]')?.removeAttribute('hidden');
  form.dataset.enhanced = 'true';
}
