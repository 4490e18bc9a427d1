import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KafkaTestBroker, type AppendEvent } from '../test/support/kafka-broker/kafka-test-broker';
import { stopOnSignals } from '../test/support/kafka-broker/run-broker';

/** A batch the broker stored, and when (Date.now() in the broker's process). */
export interface TimedAppend extends AppendEvent {
  at: number;
}

/**
 * The Kafka test broker (test/support/kafka-broker, in memory: docs/KAFKA-TEST-BROKER.md) in a
 * process of its own, for benches whose apps need KAFKA_BROKERS: neither the bench's event loop,
 * which times messages, nor the apps' carry it. Prints `kafka-test-broker listening on
 * <host:port>` once it accepts connections; on SIGTERM or SIGINT prints `kafka-test-broker
 * stopped, <n> errors` (requests it could not serve) and exits.
 *
 * With `--appends <file>` it notes when each batch was stored (TimedAppend) and, on SIGUSR2,
 * writes them to the file as JSON and prints `kafka-test-broker appends written`.
 *
 * Built by `npm run build` (which compiles test/support/kafka-broker for it):
 *   node dist/bench/kafka-test-broker-process.js [--port <n>] [--appends <file>]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, appends: { type: 'string' } },
  });
  // The apps create their topics through the admin client at start-up, as on Kafka.
  const broker = await KafkaTestBroker.start({
    port: Number(values.port),
    autoCreateTopics: false,
  });
  const file = values.appends;
  if (file) {
    const appends: TimedAppend[] = [];
    broker.onAppend((event) => appends.push({ ...event, at: Date.now() }));
    process.on('SIGUSR2', () => {
      writeFileSync(file, JSON.stringify(appends));
      console.log('kafka-test-broker appends written');
    });
  }
  stopOnSignals(broker);
  console.log(`kafka-test-broker listening on ${broker.brokers[0]}`);
}

if (require.main === module) void main();
