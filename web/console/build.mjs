// Builds the analyst console into dist/console: one JS bundle, one stylesheet, the page, and
// a gzip copy of each (served as is to browsers that accept gzip). Run by `npm run build`;
// prints the sizes so that the bundle budget (300 KB gzipped) stays in sight.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'console');

export async function buildConsole({ quiet = false } = {}) {
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    outdir: out,
    write: false,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.json': 'json' },
    legalComments: 'none',
    logLevel: quiet ? 'error' : 'warning',
  });
  const files = new Map(result.outputFiles.map((file) => [basename(file.path), file.contents]));
  for (const file of ['index.html', 'favicon.svg']) files.set(file, readFileSync(join(here, file)));
  const sizes = {};
  for (const [file, content] of files) {
    const gzipped = gzipSync(content, { level: 9 });
    // Each file replaced whole (written aside, then renamed): tests build while a server
    // serves this folder, and a reader must never see a file missing or half written.
    replace(join(out, file), content);
    replace(join(out, `${file}.gz`), gzipped);
    sizes[file] = { bytes: content.length, gzipped: gzipped.length };
  }
  return sizes;
}

function replace(path, content) {
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, content);
  renameSync(aside, path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildConsole();
  const total = Object.values(sizes).reduce((sum, size) => sum + size.gzipped, 0);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  process.stdout.write(
    `console: ${Object.entries(sizes)
      .map(([file, size]) => `${file} ${kb(size.bytes)} (${kb(size.gzipped)} gzipped)`)
      .join(', ')}; ${kb(total)} gzipped in all -> dist/console\n`,
  );
}
