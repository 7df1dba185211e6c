// `npm run bench`: runs every bench/*.bench.mjs in name order. Each prints its
// own ratios against peers measured in the same run (never a timed unit test).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.mjs')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
console.log(`node ${process.version}, ${files.length} benchmark file(s)`);
for (const f of files) {
  console.log(`\n== ${f}`);
  const mod = await import(new URL(f, import.meta.url));
  await mod.default();
}
