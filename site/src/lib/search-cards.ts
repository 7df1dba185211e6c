/**
 * The search page's result cards: what a card shows of each plugin, written
 * by the build next to the facet table (search-facets.ts) from the same
 * verified model, in files of {@link CARDS_PER_FILE} rows
 * (`/search-cards/<k>.json` holds rows `k·CARDS_PER_FILE …`, rows in name
 * order as in the facet table).
 *
 * Why not Pagefind's fragments: a result's `data()` fetches, inflates (in
 * JavaScript) and post-processes one fragment per card in Pagefind's worker
 * and posts it back — ~30 ms of CPU for the first 24 cards at 20k plugins,
 * on every search and facet click. These files are plain JSON the browser
 * fetches and parses natively, a few per answer, cached by the page; the
 * Pagefind records carry no card fields at all, and Pagefind writes its
 * fragments into one file the page never reads (search-index.ts).
 *
 * Pure and DOM-free (runs in Node, vitest and the browser bundle).
 *
 * @module
 */
import type { CatalogModel, PluginView } from './catalog.js';
import { typeLabel } from './catalog.js';
import { lastUpdated, sortPlugins } from './listing.js';
import { SEARCH_FACETS_INVALID, SEARCH_FACETS_MISMATCH, SearchFacetsError, isObject } from './search-facets.js';

/** Directory of the card files, below the site root. */
export const SEARCH_CARDS_DIR = 'search-cards';
/** Format tag of a card file; another value is refused. */
export const SEARCH_CARDS_FORMAT = 'lattice.catalog.search-cards.v1';
/**
 * Rows per card file. Each file fetched costs the page's main thread ~1 ms
 * whatever its size, parsing 64 cards a fraction of that: the 24 cards of a
 * common word's first page (name order, so close together) come from a few
 * files, those of 24 scattered matches from at most 24.
 */
export const CARDS_PER_FILE = 64;

/** One card's fields, in the order of {@link CARD_FIELDS}. */
export interface SearchCard {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly type: string;
  readonly publisher: string;
  readonly publisherId: string;
  readonly risk: string;
  readonly riskClass: string;
  /** "stable 1.2.0", or '' without a head. */
  readonly version: string;
  /** ISO date-time, or ''. */
  readonly updated: string;
}
/** The fields of a card, the order of each row's array in the file. */
export const CARD_FIELDS = ['id', 'title', 'summary', 'type', 'publisher', 'publisherId', 'risk', 'riskClass', 'version', 'updated'] as const satisfies readonly (keyof SearchCard)[];

/**
 * A card file as JSON: `cards[i]` is row `first + i`, each the fields of
 * {@link CARD_FIELDS} as strings; `index` is the Pagefind index's tag, as in
 * the facet table (search-facets.ts pagefindIndexTag).
 */
export interface SearchCardsFile {
  readonly format: typeof SEARCH_CARDS_FORMAT;
  readonly index: string;
  readonly first: number;
  readonly cards: readonly (readonly string[])[];
}

/** Path of the card file holding `row`, below the site root. */
export function cardFileOf(row: number): string {
  return `${SEARCH_CARDS_DIR}/${Math.floor(row / CARDS_PER_FILE)}.json`;
}

/** A plugin's card. */
export function searchCard(p: PluginView): SearchCard {
  const head = p.heads[0];
  return {
    id: p.id,
    title: p.name,
    summary: p.summary,
    type: typeLabel(p.type),
    publisher: p.publisherName,
    publisherId: p.publisherId,
    risk: p.risk.words,
    riskClass: p.risk.className,
    version: head ? `${head.channel} ${head.release.version}` : '',
    updated: lastUpdated(p),
  };
}

/**
 * The card files of a catalog (build side): path below the site root → file.
 * Rows in name order (the facet table's rows).
 */
export function searchCardFiles(model: CatalogModel, index: string): Map<string, SearchCardsFile> {
  const byName = sortPlugins(model.plugins, 'name');
  const files = new Map<string, SearchCardsFile>();
  for (let first = 0; first < byName.length; first += CARDS_PER_FILE) {
    const cards = byName.slice(first, first + CARDS_PER_FILE).map((p) => {
      const c = searchCard(p);
      return CARD_FIELDS.map((f) => c[f]);
    });
    files.set(cardFileOf(first), { format: SEARCH_CARDS_FORMAT, index, first, cards });
  }
  return files;
}

/**
 * Check and decode the card file that holds `row` (browser side), for a
 * facet table of `count` rows written with the Pagefind index `index`.
 * Fails closed: an unknown or missing key, another format, a file for other
 * rows, a wrong number of cards or of fields, a field that is not a string is
 * refused; so is a file written with another Pagefind index (another build).
 * @returns the file's cards, `cards[i]` being row `first + i`.
 * @throws SearchFacetsError: {@link SEARCH_FACETS_INVALID} for a damaged
 *   file, {@link SEARCH_FACETS_MISMATCH} when it does not fit the facet table.
 */
export function decodeSearchCards(json: unknown, row: number, count: number, index: string): { first: number; cards: SearchCard[] } {
  const file = cardFileOf(row);
  const bad = (msg: string): never => {
    throw new SearchFacetsError(SEARCH_FACETS_INVALID, `${file}: ${msg}`);
  };
  if (!isObject(json)) return bad(`expected a JSON object, found ${Array.isArray(json) ? 'an array' : typeof json}`);
  const keys = Object.keys(json).sort().join(', ');
  if (keys !== 'cards, first, format, index') bad(`expected the keys cards, first, format, index, found ${keys || 'none'}`);
  if (json.format !== SEARCH_CARDS_FORMAT) bad(`expected format ${SEARCH_CARDS_FORMAT}, found ${JSON.stringify(json.format)}`);
  if (json.index !== index) {
    throw new SearchFacetsError(SEARCH_FACETS_MISMATCH, `${file}: expected cards written with the Pagefind index ${index}, found ${JSON.stringify(json.index)}`);
  }
  const first = row - (row % CARDS_PER_FILE);
  if (json.first !== first) bad(`expected the cards of rows from ${first}, found ${JSON.stringify(json.first)}`);
  const cards = json.cards;
  if (!Array.isArray(cards)) return bad(`cards: expected an array, found ${typeof cards}`);
  const want = Math.min(CARDS_PER_FILE, count - first);
  if (cards.length !== want) {
    throw new SearchFacetsError(SEARCH_FACETS_MISMATCH, `${file}: expected ${want} cards for a catalog of ${count} plugins, found ${cards.length}`);
  }
  return {
    first,
    cards: cards.map((c: unknown, i) => {
      if (!Array.isArray(c) || c.length !== CARD_FIELDS.length || !c.every((v) => typeof v === 'string')) {
        return bad(`card ${i}: expected ${CARD_FIELDS.length} strings (${CARD_FIELDS.join(', ')})`);
      }
      return Object.fromEntries(CARD_FIELDS.map((f, k) => [f, c[k]])) as unknown as SearchCard;
    }),
  };
}
