#!/usr/bin/env node
// Rewrites the tests' deep relative imports (`../../../libs/contracts/src/testing`) to the
// path aliases of tsconfig.json, jest.config.js and .swcrc (`@cm/contracts/testing`).
// Idempotent: run it again after adding tests; the files it changes are then formatted with
// Prettier. `--check` changes nothing and exits 1 when an import would be rewritten, naming it.
//
// Which files: every .ts under test/, and under apps/ and libs/ the specs (*.spec.ts) and
// the test helpers (a testing/ folder, libs/messaging/src/test-fixtures.ts). Which imports:
// relative ones that leave the importing file's package (a lib, an app, test/support, or the
// other test folders) for one of these targets:
//   libs/<lib>/src[/index]              -> @cm/<lib>
//   libs/<lib>/src/testing[/index]      -> @cm/<lib>/testing
//   libs/<lib>/src/testing/<file>       -> @cm/<lib>/testing/<file>
//   libs/messaging/src/test-fixtures    -> @cm/messaging/testing
//   apps/<app>/src[/index]              -> @cm/<app>   (ingest, projector, alerter, query)
//   test/support[/index]                -> @cm/test-support
//   test/support/<file>                 -> @cm/test-support/<file>
// Deep imports of other files of a lib or app (libs/platform/src/config/app-config) stay.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const APPS = new Set(['ingest', 'projector', 'alerter', 'query']);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const isTestFile = (rel) =>
  rel.startsWith(`test${sep}`) ||
  rel.endsWith('.spec.ts') ||
  rel.split(sep).includes('testing') ||
  rel === join('libs', 'messaging', 'src', 'test-fixtures.ts');

/** The package a repository path belongs to: libs/<x>, apps/<x>, test/support, or test. */
function packageOf(rel) {
  const [top, second] = rel.split('/');
  if (top === 'libs' || top === 'apps') return `${top}/${second}`;
  if (top === 'test') return second === 'support' ? 'test/support' : 'test';
  return top;
}

function aliasFor(target) {
  const path = target.replace(/\/index$/, '');
  let match;
  if ((match = /^libs\/([a-z-]+)\/src$/.exec(path))) return `@cm/${match[1]}`;
  if (path === 'libs/messaging/src/test-fixtures') return '@cm/messaging/testing';
  if ((match = /^libs\/([a-z-]+)\/src\/testing(\/.+)?$/.exec(path))) {
    return `@cm/${match[1]}/testing${match[2] ?? ''}`;
  }
  if ((match = /^apps\/([a-z-]+)\/src$/.exec(path)) && APPS.has(match[1])) return `@cm/${match[1]}`;
  if (path === 'test/support') return '@cm/test-support';
  if ((match = /^test\/support\/(.+)$/.exec(path))) return `@cm/test-support/${match[1]}`;
  return undefined;
}

let changed = 0;
const written = [];
for (const dir of ['test', 'apps', 'libs']) {
  for (const file of files(join(root, dir))) {
    const rel = relative(root, file);
    if (!isTestFile(rel)) continue;
    const from = packageOf(rel.split(sep).join('/'));
    const text = readFileSync(file, 'utf8');
    const next = text.replace(
      /(\bfrom\s+|\bimport\s*\(\s*|\bjest\.mock\(\s*|\brequire\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g,
      (whole, lead, quote, specifier) => {
        const target = relative(root, resolve(dirname(file), specifier))
          .split(sep)
          .join('/');
        if (packageOf(target) === from) return whole;
        const alias = aliasFor(target);
        if (!alias) return whole;
        if (check) process.stdout.write(`${rel}: ${specifier} -> ${alias}\n`);
        changed += 1;
        return `${lead}${quote}${alias}${quote}`;
      },
    );
    if (!check && next !== text) {
      writeFileSync(file, next);
      written.push(file);
    }
  }
}
if (written.length > 0) {
  execFileSync(join(root, 'node_modules', '.bin', 'prettier'), ['--write', ...written], {
    stdio: 'ignore',
  });
}
process.stdout.write(
  `${changed} import(s) ${check ? 'to rewrite' : 'rewritten'} in ${written.length || 'no'} file(s)\n`,
);
if (check && changed > 0) process.exit(1);
