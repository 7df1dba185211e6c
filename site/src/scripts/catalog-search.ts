// The search page over the Pagefind index (site/src/lib/search-records.ts).
// State lives in the URL with the names the GET form submits (?q=…&type=…&sort=…;
// site/src/lib/url-state.ts): typing replaces the history entry, ticking a
// facet or changing the sort pushes one, back/forward restore the state.
//
// Facet counts follow the usual rule (site/src/lib/facets.ts): a facet's counts
// apply every other selection but not its own. With one facet selected those
// are the counts without any filter, which Pagefind already has: the search's
// totalFilters for a text query, the whole index's filters() for none (a null
// query's totalFilters are all zero). Only with two or more facets selected
// does one more Pagefind search run per selected facet, without it. An option counting zero
// cannot be ticked. When a text query finds nothing, the did-you-mean term
// list (/search-terms.json, loaded only then) suggests the nearest known words.
import { FACETS, type CatalogState, type FacetName } from '../lib/facets';
import { decodeState, encodeState } from '../lib/url-state';
import { SORTS, type SortName } from '../lib/listing';
import { suggestQuery } from '../lib/suggest';

interface PagefindResultData {
  url: string;
  meta: Record<string, string>;
}
interface PagefindResult {
  id: string;
  data: () => Promise<PagefindResultData>;
}
interface PagefindSearch {
  results: PagefindResult[];
  unfilteredResultCount: number;
  filters: Record<string, Record<string, number>>;
  totalFilters: Record<string, Record<string, number>>;
}
interface Pagefind {
  options: (o: Record<string, unknown>) => Promise<void>;
  init: () => Promise<void>;
  filters: () => Promise<Record<string, Record<string, number>>>;
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

type Counts = Record<string, Record<string, number>>;
let pagefind: Promise<{ pf: Pagefind; all: Counts }> | undefined;
function loadPagefind(): Promise<{ pf: Pagefind; all: Counts }> {
  pagefind ??= (async () => {
    const pf = (await import(/* @vite-ignore */ `${base}pagefind/pagefind.js`)) as Pagefind;
    await pf.options({ basePath: `${base}pagefind/` });
    await pf.init();
    // Load the filter chunks now: searches report facet counts only once they
    // are loaded. The answer is the whole index's counts, kept for blank queries.
    const all = await pf.filters();
    return { pf, all };
  })();
  return pagefind;
}

let terms: Promise<string[]> | undefined;
function loadTerms(): Promise<string[]> {
  terms ??= fetch(`${base}search-terms.json`).then((r) => (r.ok ? (r.json() as Promise<string[]>) : []));
  return terms;
}

function pagefindFilters(state: CatalogState, except?: FacetName): Record<string, { any: string[] }> {
  const out: Record<string, { any: string[] }> = {};
  for (const f of FACETS) if (f !== except && state[f].length > 0) out[f] = { any: [...state[f]] };
  return out;
}

function isBlank(s: CatalogState): boolean {
  return s.q.trim() === '' && FACETS.every((f) => s[f].length === 0);
}

function card(d: PagefindResultData): HTMLLIElement {
  const m = d.meta;
  const li = document.createElement('li');
  li.className = 'card';
  li.dataset.id = m.id ?? '';
  const h = li.appendChild(document.createElement('h3'));
  const a = h.appendChild(document.createElement('a'));
  a.href = d.url;
  a.textContent = m.title ?? m.id ?? '';
  const line = li.appendChild(document.createElement('p'));
  line.appendChild(document.createElement('code')).textContent = m.id ?? '';
  line.append(` · ${m.type ?? ''} plugin by `);
  const pub = line.appendChild(document.createElement('a'));
  pub.href = `${base}publishers/${encodeURIComponent(m.publisherId ?? '')}/`;
  pub.textContent = m.publisher ?? '';
  if (m.summary) li.appendChild(document.createElement('p')).textContent = m.summary;
  const meta = li.appendChild(document.createElement('ul'));
  meta.className = 'meta';
  const risk = meta.appendChild(document.createElement('li')).appendChild(document.createElement('span'));
  risk.className = `risk ${m.riskClass ?? ''}`;
  risk.textContent = m.risk ?? '';
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
  let pending: PagefindResult[] = [];

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
    const batch = pending.splice(0, BATCH);
    const data = await Promise.all(batch.map((r) => r.data()));
    if (mine !== seq) return;
    list.append(...data.map(card));
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
    first: PagefindResultData[];
    rest: PagefindResult[];
    better: string | undefined;
  }
  const show = (a: Answer): void => {
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
    list.dataset.answered = toSearch(a.s);
  };

  const run = async (s: SearchState): Promise<void> => {
    const mine = ++seq;
    delete list.dataset.answered;
    const { pf, all } = await loadPagefind();
    // Sort keys are ranks in the static listing's order (site/src/lib/search-records.ts).
    const sort = { [s.sort]: 'asc' };
    const q = s.state.q.trim() === '' ? null : s.state.q.trim();
    // A blank state lists every plugin (Pagefind answers a null query with filters; {} matches all).
    const main = await pf.search(q, { filters: pagefindFilters(s.state), sort });
    if (mine !== seq || main === null) return;
    const counts: Partial<Record<FacetName, Record<string, number>>> = {};
    for (const f of FACETS) counts[f] = main.filters[f] ?? {};
    const others = FACETS.filter((f) => s.state[f].length > 0);
    if (others.length === 1) {
      // Its own counts are those without any filter (see the module comment): no second search.
      const f = others[0]!;
      counts[f] = (q === null ? all[f] : main.totalFilters[f]) ?? {};
    } else {
      const extra = await Promise.all(others.map((f) => pf.search(q, { filters: pagefindFilters(s.state, f) })));
      if (mine !== seq) return;
      others.forEach((f, i) => {
        counts[f] = extra[i]?.filters[f] ?? {};
      });
    }
    const n = main.results.length;
    // The first cards' data (Pagefind fragments, fetched in parallel) and, for
    // a text query that found nothing, the did-you-mean term: both before the
    // one write that shows the answer.
    const first = await Promise.all(main.results.slice(0, BATCH).map((r) => r.data()));
    if (mine !== seq) return;
    let better: string | undefined;
    if (n === 0 && q !== null && suggestion && suggestionLink) {
      better = suggestQuery(q, await loadTerms());
      if (mine !== seq) return;
    }
    show({ s, n, counts, first, rest: main.results.slice(BATCH), better });
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
