import type { LoggerService } from '@nestjs/common';
import { QuietStartupLogger, terminalLogDestination } from './terminal-logs';

describe('terminal logs', () => {
  it('are JSON lines (no destination of their own) when standard output is no terminal', () => {
    expect(terminalLogDestination({ isTTY: false })).toBeUndefined();
    expect(terminalLogDestination({})).toBeUndefined();
  });

  it('are pretty-printed when standard output is a terminal', () => {
    const destination = terminalLogDestination({ isTTY: true });
    expect(destination).toBeDefined();
    expect(typeof destination?.write).toBe('function');
  });

  it('take Nest’s module and route listing down to debug, and nothing else', () => {
    const calls: [string, unknown[]][] = [];
    const inner: LoggerService = {
      log: (...args: unknown[]) => calls.push(['log', args]),
      error: (...args: unknown[]) => calls.push(['error', args]),
      warn: (...args: unknown[]) => calls.push(['warn', args]),
      debug: (...args: unknown[]) => calls.push(['debug', args]),
    };
    const logger = new QuietStartupLogger(inner);
    logger.log('Mapped {/v1/reports, POST} route', 'RouterExplorer');
    logger.log('ReportIngestController {/v1/reports}:', 'RoutesResolver');
    logger.log('MonitorModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('careful', 'RouterExplorer');
    expect(calls.map(([level]) => level)).toEqual(['debug', 'debug', 'debug', 'log', 'warn']);
    expect(calls[0]?.[1]).toEqual(['Mapped {/v1/reports, POST} route', 'RouterExplorer']);
  });
});
