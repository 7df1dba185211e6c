// Refresh "3 days ago" words from each <time datetime data-relative-time> with
// the reader's clock: the page was built at some earlier moment, the words it
// was built with are only the no-JavaScript fallback.
import { relativeTimeWords } from '../lib/time-words';

const now = Date.now();
for (const el of document.querySelectorAll<HTMLTimeElement>('time[data-relative-time]')) {
  const then = Date.parse(el.dateTime);
  if (!Number.isNaN(then)) el.textContent = relativeTimeWords(then, now);
}
