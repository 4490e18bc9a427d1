import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../libs/platform/src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const database = (globalThis as { __embeddedDatabase?: EmbeddedDatabase }).__embeddedDatabase;
  if (!database) return;
  await database.stop();
  rmSync(database.dataDir, { recursive: true, force: true });
}
