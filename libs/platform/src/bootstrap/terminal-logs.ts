import type { LoggerService } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/**
 * Where the logs go: on a terminal (standard output is a TTY, as under `npm start`) one
 * readable, coloured line per entry; anywhere else (a pipe, a file, a container's log
 * driver) JSON lines, which is what log collectors read. `npm start | cat` gives JSON on a
 * terminal too.
 */
export function terminalLogDestination(
  output: { isTTY?: boolean } = process.stdout,
): DestinationStream | undefined {
  if (!output.isTTY) return undefined;
  return pretty({
    colorize: true,
    // Written as it comes, so that a line logged just before an exit is not lost.
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // A request's line says what the JSON's req and res objects would: method, URL, status.
    messageFormat:
      '{if context}[{context}] {end}{if req}{req.method} {req.url} {res.statusCode} {responseTime} ms {end}{msg}',
    ignore: 'pid,hostname,context,req,res,responseTime',
  });
}

/** Nest's start-up chatter, one line per module and per route at every start. */
const START_UP_DETAIL = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Nest's logger with the module and route listing of every start-up (about 46 lines for the
 * monitor) moved to debug level: `LOG_LEVEL=debug` shows it; the rest is as it was.
 */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && START_UP_DETAIL.has(context)) {
      this.inner.debug?.(message, ...rest);
      return;
    }
    this.inner.log(message, ...rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}
