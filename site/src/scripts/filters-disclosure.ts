// The filter panel is a <details> disclosure: collapsed on small screens (so
// the results are a few tab stops away), opened on wide ones where it sits
// beside the results. Without JavaScript it stays collapsed and opens on click.
const WIDE = '(min-width: 50em)';

for (const d of document.querySelectorAll<HTMLDetailsElement>('details[data-filters]')) {
  if (window.matchMedia(WIDE).matches) d.open = true;
}
