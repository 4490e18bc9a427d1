/** The levels a lib writes at (LOG_LEVEL, the process's threshold, has more). */
export type LogLineLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The one logging port of the libs: a level, a sentence and structured fields (`err` for an
 * error, as pino names it). The Nest side adapts it to the process's logger (`logTo`).
 */
export type Log = (level: LogLineLevel, message: string, extra?: Record<string, unknown>) => void;

/** A Log that drops everything (the default where a caller passes none). */
export const silentLog: Log = () => undefined;
