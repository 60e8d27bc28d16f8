import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as its users receive it: what `npm pack` puts in the tarball, a consumer project that
// compiles against that tarball, and the command-line client linked by `npm install`.
const ROOT = resolve(__dirname, '..');
const PACKAGE_DIR = join(ROOT, 'libs', 'performance');
// Inside the repository, so that a consumer finds the package's peers in the root node_modules,
// while its own node_modules/nestjs-performance (the unpacked tarball) comes first.
const WORK = join(ROOT, 'test-output', 'package');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
  version: string;
  main: string;
  types: string;
  bin: Record<string, string>;
};

interface PackResult {
  filename: string;
  files: { path: string }[];
}

function pack(args: string[]): PackResult {
  const out = execFileSync('npm', ['pack', '--json', ...args], { cwd: PACKAGE_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return (JSON.parse(out) as PackResult[])[0]!;
}

describe('the packed tarball', () => {
  let files: string[];
  beforeAll(() => {
    files = pack(['--dry-run']).files.map((f) => f.path);
  });

  it('holds the README, the LICENSE, the manifest and every file the manifest points to', () => {
    for (const path of ['README.md', 'LICENSE', 'package.json', pkg.main, pkg.types, ...Object.values(pkg.bin).map((p) => p.replace(/^\.\//, ''))]) {
      expect(files, path).toContain(path);
    }
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/admin/dashboard/assets/dashboard.js');
    expect(files).toContain('dist/admin/dashboard/assets/dashboard.css');
  });

  it('holds no build info, source maps, sources, tests or local data', () => {
    const unwanted = files.filter((f) => /tsbuildinfo|\.map$|^src\/|\.spec\.|\.e2e-spec\.|(^|\/)\.env|\.sqlite$/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('holds only the manifest, the docs, bin/ and dist/', () => {
    expect(files.filter((f) => !/^(dist|bin)\//.test(f) && !['README.md', 'LICENSE', 'package.json'].includes(f))).toEqual([]);
  });
});

describe('a consumer project compiled against the packed tarball', () => {
  let tarball: string;
  beforeAll(() => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    tarball = join(WORK, pack(['--pack-destination', WORK]).filename);
  }, 120_000);
  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  function consumer(name: string, manifest: object, tsconfig: object, source: string): string {
    const dir = join(WORK, name);
    mkdirSync(join(dir, 'node_modules', 'nestjs-performance'), { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', join(dir, 'node_modules', 'nestjs-performance'), '--strip-components=1']);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, ...manifest }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: tsconfig, files: ['main.ts'] }));
    writeFileSync(join(dir, 'main.ts'), source);
    return dir;
  }

  const APP = [
    "import { Controller, Get, Module } from '@nestjs/common';",
    "import { CacheTTL, PerformanceModule, RequestContext, performanceOptionsFromEnv, type PerformanceModuleOptions } from 'nestjs-performance';",
    '',
    "const options: PerformanceModuleOptions = { ...performanceOptionsFromEnv(), admin: { token: 'a-token-of-at-least-16-chars' } };",
    '',
    "@Controller('hello')",
    'class HelloController {',
    '  @Get()',
    '  @CacheTTL(30)',
    '  hello(): { requestId: string | undefined } {',
    '    return { requestId: RequestContext.current()?.requestId };',
    '  }',
    '}',
    '',
    '@Module({ imports: [PerformanceModule.forRoot(options)], controllers: [HelloController] })',
    'export class AppModule {}',
    '',
  ].join('\n');
  const STRICT = {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'ES2022',
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    types: ['node'],
  };

  it.each([
    ['commonjs-interop', {}, { ...STRICT, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }],
    ['esm-nodenext', { type: 'module' }, { ...STRICT, module: 'nodenext', moduleResolution: 'nodenext' }],
    ['commonjs-no-interop', {}, { ...STRICT, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: false }],
  ])('compiles as %s with strict and skipLibCheck false', (name, manifest, tsconfig) => {
    const dir = consumer(name, manifest, tsconfig, APP);
    let output = '';
    try {
      execFileSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
    // The consumer really used the tarball, not the workspace's sources.
    expect(realpathSync(join(dir, 'node_modules', 'nestjs-performance'))).toBe(join(dir, 'node_modules', 'nestjs-performance'));
  });

  it("declares its public types without zod: no .d.ts reachable from the package's types imports it", () => {
    // zod's own typings need esModuleInterop (TS1259 without it), so a public type that reaches them breaks
    // every consumer compiled with esModuleInterop off and skipLibCheck false.
    const dir = consumer('dts-graph', {}, STRICT, '');
    const root = join(dir, 'node_modules', 'nestjs-performance');
    const leaks = [...declarationGraph(join(root, pkg.types))]
      .filter(([, { imports }]) => imports.some((spec) => spec === 'zod' || spec.startsWith('zod/')))
      .map(([file, { via }]) => [...via, file].map((f) => relative(root, f)).join(' -> ') + " imports 'zod'");
    expect(leaks, `public declarations that import zod:\n${leaks.join('\n')}`).toEqual([]);
  });

  it('loads at run time from CommonJS and from ESM', () => {
    const dir = consumer('runtime', {}, STRICT, '');
    const cjs = execFileSync(process.execPath, ['-e', "console.log(typeof require('nestjs-performance').PerformanceModule.forRoot)"], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(cjs.trim()).toBe('function');
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "import { PerformanceModule } from 'nestjs-performance'; console.log(typeof PerformanceModule.forRoot)"],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(esm.trim()).toBe('function');
  });

  it("runs the command-line client from the consumer's install", () => {
    const dir = consumer('cli', {}, STRICT, '');
    const bin = join(dir, 'node_modules', 'nestjs-performance', pkg.bin['nestjs-performance']!);
    expect(execFileSync(process.execPath, [bin, '--version'], { cwd: dir, encoding: 'utf8' }).trim()).toBe(pkg.version);
    const help = execFileSync(process.execPath, [bin, '--help'], { cwd: dir, encoding: 'utf8' });
    expect(help).toContain('recommendations');
  });
});

/**
 * Every declaration file a compiler reads from `entry` on: its relative imports, exports, `import('…')`
 * types and `/// <reference path>`, followed file by file. Each file maps to the bare specifiers it
 * imports and the chain of files that led to it.
 */
function declarationGraph(entry: string): Map<string, { imports: string[]; via: string[] }> {
  const graph = new Map<string, { imports: string[]; via: string[] }>();
  const queue: [string, string[]][] = [[entry, []]];
  while (queue.length) {
    const [file, via] = queue.shift()!;
    if (graph.has(file)) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const specifiers = source.referencedFiles.map((ref) => ref.fileName);
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        specifiers.push(node.moduleSpecifier.text);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        specifiers.push(node.argument.literal.text);
      } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
        const expression = node.moduleReference.expression;
        if (ts.isStringLiteral(expression)) specifiers.push(expression.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    const imports: string[] = [];
    for (const spec of specifiers) {
      if (!spec.startsWith('.')) {
        imports.push(spec);
        continue;
      }
      const base = resolve(dirname(file), spec.replace(/\.(js|d\.ts)$/, ''));
      const target = [`${base}.d.ts`, join(base, 'index.d.ts')].find((candidate) => existsSync(candidate));
      if (!target) throw new Error(`${file} imports ${spec}, which has no declaration file`);
      queue.push([target, [...via, file]]);
    }
    graph.set(file, { imports, via });
  }
  return graph;
}

describe('the command-line client', () => {
  it('is linked by npm install at node_modules/.bin, and runs from the repository root', () => {
    const link = join(ROOT, 'node_modules', '.bin', 'nestjs-performance');
    expect(existsSync(link), `${link} is missing: npm links a command only when its file exists at install time`).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(PACKAGE_DIR, pkg.bin['nestjs-performance']!)));
    const version = execFileSync(link, ['--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(version.trim()).toBe(pkg.version);
  });
});
