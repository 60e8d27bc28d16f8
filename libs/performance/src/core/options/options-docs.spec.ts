import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { definedOptions, envNames, type DefinedOption } from './schema/option';
import { performanceExtrasSchema, performanceOptionsSchema } from './schema/performance';

const DOCS = join(__dirname, '../../../../../docs/configuration.md');
const START = '<!-- options-table:start';
const END = '<!-- options-table:end -->';

/** The table's sections, each the options under some paths, in the order of the definitions. */
const SECTIONS: readonly (readonly [string, readonly string[]])[] = [
  ['general', ['enabled', 'headers', 'status', 'admin', 'appVersion', 'instanceId', 'adminPath']],
  ['monitoring', ['monitoring']],
  ['thresholds', ['thresholds']],
  ['alerts', ['alerts']],
  ['response cache', ['cache', 'cacheWarming']],
  ['database (TypeORM)', ['database']],
  ['metrics', ['metrics']],
  ['tracing', ['tracing']],
  ['health', ['health']],
  ['jobs', ['jobs']],
  ['SLOs', ['slos']],
  ['advisor', ['advisor']],
  ['baselines', ['baselines']],
  ['profiling', ['profiling']],
];

const OPTIONS = [...definedOptions(performanceOptionsSchema), ...definedOptions(performanceExtrasSchema)];

function sectionOf(option: DefinedOption): string | undefined {
  return SECTIONS.find(([, roots]) => roots.some((root) => option.path === root || option.path.startsWith(`${root}.`)))?.[0];
}

/** A default as code: strings quoted inside arrays and objects, bare at the top. */
function literal(value: unknown, top = false): string {
  if (typeof value === 'string') return top ? value : `'${value}'`;
  if (Array.isArray(value)) return `[${value.map((v) => literal(v)).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }` : '{}';
  }
  return String(value);
}

function defaultCell({ path, definition }: DefinedOption): string {
  if (definition.defaultDoc !== undefined) return definition.defaultDoc;
  if (typeof definition.default === 'function' || definition.default === undefined) {
    throw new Error(`${path}: a computed or missing default needs a defaultDoc`);
  }
  const note = definition.defaultNote ? ` (${definition.defaultNote})` : '';
  return `\`${literal(definition.default, true)}\`${note}`;
}

const FORMAT_NOTE: Partial<Record<NonNullable<DefinedOption['format']>, string>> = { list: 'comma-separated', json: 'JSON' };

function envCell({ definition, format }: DefinedOption): string {
  const names = envNames(definition)
    .map((name) => `\`${name}\``)
    .join(', ');
  let note = typeof definition.env === 'object' ? definition.env.note : format && FORMAT_NOTE[format];
  if (definition.envExample) note = `${note ?? ''}, e.g. \`${definition.envExample}\``;
  return names && note ? `${names} (${note})` : names;
}

function row(cells: readonly string[]): string {
  return `|${cells.map((cell) => (cell ? ` ${cell} ` : ' ')).join('|')}|`;
}

/** The configuration table, as docs/configuration.md must show it. */
function renderTable(): string {
  const rows = ['| option | environment | default | meaning |', '|---|---|---|---|'];
  for (const [title] of SECTIONS) {
    rows.push(row([`**${title}**`, '', '', '']));
    for (const option of OPTIONS.filter((o) => sectionOf(o) === title)) {
      rows.push(row([`\`${option.path}\``, envCell(option), defaultCell(option), option.definition.doc]));
    }
  }
  return rows.join('\n');
}

describe('docs/configuration.md', () => {
  it('has every option in a section of the table', () => {
    expect(OPTIONS.filter((o) => !sectionOf(o)).map((o) => o.path)).toEqual([]);
  });

  it('gives every option a meaning, and every environment variable to one option only', () => {
    expect(OPTIONS.filter((o) => !o.definition.doc.trim()).map((o) => o.path)).toEqual([]);
    const names = OPTIONS.flatMap((o) => envNames(o.definition));
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  // The table is generated from the option definitions (core/options/schema): names, variables,
  // defaults and meanings. To change it, change a definition and run this file with `-u`.
  it('shows the table the option definitions make', async () => {
    const page = readFileSync(DOCS, 'utf8');
    const start = page.indexOf(START);
    const end = page.indexOf(END);
    expect(start, `${DOCS} needs the markers ${START} ... --> and ${END}`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const open = page.indexOf('-->', start) + 3;
    await expect(`${page.slice(0, open)}\n${renderTable()}\n${page.slice(end)}`).toMatchFileSnapshot(DOCS);
  });
});

/** The JSDoc users read in their editor, on each option of the public interfaces. */
function publicDocs(): Map<string, { text: string; defaultTag: string | undefined }> {
  const file = join(__dirname, 'performance.options.ts');
  const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const roots = new Map<string, ts.Type>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) roots.set(node.name.text, checker.getTypeAtLocation(node));
  });
  const docs = new Map<string, { text: string; defaultTag: string | undefined }>();
  for (const { path } of OPTIONS) {
    let type: ts.Type | undefined = path === 'adminPath' ? roots.get('PerformanceModuleExtras') : roots.get('PerformanceModuleOptions');
    let property: ts.Symbol | undefined;
    for (const key of path.split('.')) {
      // A section may also accept `false` or a number (headers, cacheable paths): its object branch has the keys.
      const object = type?.isUnion() ? type.types.find((t) => t.getProperty(key)) : type;
      property = object?.getProperty(key);
      type = property && checker.getNonNullableType(checker.getTypeOfSymbol(property));
    }
    if (!property) continue;
    const text = ts.displayPartsToString(property.getDocumentationComment(checker));
    const tag = property.getJsDocTags(checker).find((t) => t.name === 'default');
    docs.set(path, { text, defaultTag: tag && ts.displayPartsToString(tag.text).trim() });
  }
  return docs;
}

describe('the JSDoc of the public option interfaces', () => {
  const docs = publicDocs();

  it('describes every defined option', () => {
    expect(OPTIONS.filter((o) => !docs.get(o.path)?.text.trim()).map((o) => o.path)).toEqual([]);
  });

  it('names the variables the definitions read, and no other', () => {
    const named = (text: string) => [...(text.match(/Env: ([^.]*)/)?.[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    const wrong = OPTIONS.map((o) => ({ path: o.path, jsdoc: named(docs.get(o.path)?.text ?? '').join(', '), defined: envNames(o.definition).join(', ') }))
      .filter((o) => o.jsdoc !== o.defined)
      .map((o) => `${o.path}: JSDoc Env: ${o.jsdoc || '-'}; definition: ${o.defined || '-'}`);
    expect(wrong).toEqual([]);
  });

  it('states the default the definitions apply', () => {
    const wrong = OPTIONS.filter(({ path, definition }) => {
      if (definition.default === undefined || typeof definition.default === 'function' || definition.defaultDoc) return false;
      return !docs.get(path)?.defaultTag?.startsWith(literal(definition.default));
    });
    expect(wrong.map((o) => `${o.path}: @default ${docs.get(o.path)?.defaultTag ?? '-'}; definition: ${literal(o.definition.default)}`)).toEqual([]);
  });
});
