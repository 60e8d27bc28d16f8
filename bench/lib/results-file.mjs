import { readFileSync, writeFileSync } from 'node:fs';
// bench/RESULTS.md is written by scripts: each owns one section between markers and replaces
// only that one, so bench/run.mjs and bench/soak.mjs can each rewrite theirs.
const HEADER = '# Benchmark results\n\nWritten by the scripts in bench/ (see bench/README.md); every figure below comes from a run, none is typed by hand.\n';

/** The file text with section `name` (between `<!-- bench:name -->` markers) replaced or appended. */
export function replaceSection(text, name, body) {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  const base = text.trim() ? text : HEADER;
  const i = base.indexOf(start);
  const j = base.indexOf(end);
  if (i !== -1 && j > i) return base.slice(0, i) + block + base.slice(j + end.length);
  return `${base.trimEnd()}\n\n${block}\n`;
}

/** Replaces (or appends) section `name` of bench/RESULTS.md with `body`. */
export function recordSection(name, body) {
  const file = new URL('../RESULTS.md', import.meta.url);
  let previous = '';
  try {
    previous = readFileSync(file, 'utf8');
  } catch {
    // first write
  }
  writeFileSync(file, replaceSection(previous, name, body));
}
