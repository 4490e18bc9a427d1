// Builds the analyst console into dist/console: one JS bundle, one stylesheet, the page, and
// a gzip copy of each (served as is to browsers that accept gzip). Run by `npm run build`;
// prints the sizes so that the bundle budget (300 KB gzipped) stays in sight.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'console');

export async function buildConsole({ quiet = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    outdir: out,
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
  for (const file of ['index.html', 'favicon.svg']) copyFileSync(join(here, file), join(out, file));
  const sizes = {};
  for (const file of ['index.html', 'favicon.svg', 'app.js', 'app.css']) {
    const content = readFileSync(join(out, file));
    const gzipped = gzipSync(content, { level: 9 });
    writeFileSync(join(out, `${file}.gz`), gzipped);
    sizes[file] = { bytes: content.length, gzipped: gzipped.length };
  }
  return sizes;
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
