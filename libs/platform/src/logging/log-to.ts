import { Logger } from '@nestjs/common';
import type { Log } from '../plumbing';

/**
 * The Log port (plumbing/log.ts) on Nest's logger, pino in the apps: `context` names the
 * component in each line, `extra` becomes the line's fields (`err` with its stack).
 */
export function logTo(context: string): Log {
  const logger = new Logger(context);
  return (level, message, extra) => {
    if (level === 'error') logger.error({ ...extra }, message);
    else if (level === 'warn') logger.warn({ ...extra }, message);
    else if (level === 'info') logger.log({ ...extra }, message);
    else logger.debug({ ...extra }, message);
  };
}
