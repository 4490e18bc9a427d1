import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchResult } from './bench-result';

const BUDGET_KB = 300;

function checkoutRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The analyst console's weight as a browser downloads it: web/console/build.mjs (esbuild,
 * minified) run afresh, each file gzipped at level 9 as the server sends it. No database.
 */
export async function benchConsoleBundle(): Promise<BenchResult[]> {
  const root = checkoutRoot();
  const build = spawnSync(process.execPath, [join(root, 'web', 'console', 'build.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`console build failed: ${build.stderr}`);
  const out = join(root, 'dist', 'console');
  const files = ['index.html', 'favicon.svg', 'app.js', 'app.css'].map((file) => {
    const content = readFileSync(join(out, file));
    return { file, bytes: content.length, gzipped: gzipSync(content, { level: 9 }).length };
  });
  const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
  const total = files.reduce((sum, file) => sum + file.gzipped, 0);
  return [
    ...files
      .filter((file) => file.file.startsWith('app.'))
      .map((file) => ({
        name: `${file.file}, gzipped`,
        unit: 'KB',
        value: kb(file.gzipped),
        details: `${kb(file.bytes)} KB minified before gzip`,
      })),
    {
      name: 'whole console, gzipped',
      unit: 'KB',
      value: kb(total),
      target: { description: `< ${BUDGET_KB} KB`, met: kb(total) < BUDGET_KB },
      details: files.map((file) => `${file.file} ${kb(file.gzipped)} KB`).join(', '),
    },
  ];
}
