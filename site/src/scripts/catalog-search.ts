// Progressive search and facets for the catalog page. Without this script
// the page lists every plugin and the form submits a GET; with it, the same
// query parameters filter in place, the URL follows every change (typing
// replaces the history entry, ticking a facet pushes one) and back/forward
// restore the state. The matching and counting rules are the tested model
// in site/src/lib/facets.ts.
import { FACETS, facetCounts, filterEntries, type CatalogState, type FacetedEntry, type FacetName } from '../lib/facets';
import { decodeState, encodeState } from '../lib/url-state';

const form = document.querySelector<HTMLFormElement>('[data-catalog-form]');
const list = document.querySelector<HTMLElement>('[data-plugin-list]');
const countLine = document.querySelector<HTMLElement>('[data-result-count]');
const noResults = document.querySelector<HTMLElement>('[data-no-results]');

function words(s: string | undefined): string[] {
  return s ? s.split(' ').filter((w) => w !== '') : [];
}

if (form && list && countLine) {
  const cards = Array.from(list.querySelectorAll<HTMLElement>(':scope > li.card'));
  const entries: FacetedEntry[] = cards.map((card) => {
    const values = {} as Record<FacetName, string[]>;
    for (const f of FACETS) values[f] = words(card.dataset[f]);
    return { text: card.dataset.text ?? '', values };
  });
  const query = form.querySelector<HTMLInputElement>('input[name="q"]');
  const boxes = Array.from(form.querySelectorAll<HTMLInputElement>('input[type="checkbox"]'));
  const counters = new Map<string, HTMLElement>();
  for (const el of form.querySelectorAll<HTMLElement>('[data-count-for]')) counters.set(el.dataset.countFor ?? '', el);

  const stateFromForm = (): CatalogState => {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string') params.append(k, v);
    return decodeState(params);
  };

  const showState = (state: CatalogState): void => {
    if (query && query.value !== state.q) query.value = state.q;
    for (const box of boxes) box.checked = (state[box.name as FacetName] ?? []).includes(box.value);
  };

  const apply = (state: CatalogState): void => {
    const shown = new Set(filterEntries(entries, state));
    cards.forEach((card, i) => {
      card.hidden = !shown.has(i);
    });
    countLine.textContent = `${shown.size} of ${cards.length} plugins`;
    if (noResults) noResults.hidden = shown.size !== 0;
    const counts = facetCounts(entries, state);
    for (const [key, el] of counters) {
      const eq = key.indexOf('=');
      const n = counts[key.slice(0, eq) as FacetName]?.get(key.slice(eq + 1)) ?? 0;
      el.textContent = String(n);
    }
  };

  const commit = (state: CatalogState, mode: 'push' | 'replace'): void => {
    const url = `${location.pathname}${encodeState(state)}`;
    if (url !== `${location.pathname}${location.search}`) {
      if (mode === 'push') history.pushState(null, '', url);
      else history.replaceState(null, '', url);
    }
    apply(state);
  };

  let typing: number | undefined;
  form.addEventListener('input', (event) => {
    if (event.target !== query) return;
    window.clearTimeout(typing);
    typing = window.setTimeout(() => commit(stateFromForm(), 'replace'), 120);
  });
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLElement | null)?.matches('input[type="checkbox"]')) commit(stateFromForm(), 'push');
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.clearTimeout(typing);
    commit(stateFromForm(), 'push');
  });
  document.querySelector('[data-clear-filters]')?.addEventListener('click', (event) => {
    event.preventDefault();
    const empty = decodeState('');
    showState(empty);
    commit(empty, 'push');
    query?.focus();
  });
  window.addEventListener('popstate', () => {
    const state = decodeState(location.search);
    showState(state);
    apply(state);
  });

  // Honour a shared link or a no-JavaScript form submission.
  const initial = decodeState(location.search);
  showState(initial);
  apply(initial);
  form.dataset.enhanced = 'true';
}
