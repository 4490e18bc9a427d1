import { parseArgs } from 'node:util';
import { KafkaTestBroker } from './kafka-test-broker';

const USAGE = `usage: npm run kafka:test-broker -- [--port 9092] [--host 127.0.0.1]
       [--partitions 1] [--auto-create-topics]

The Kafka wire-protocol TEST broker (docs/KAFKA-TEST-BROKER.md) as a process: one node, in
memory. Stopping it (Ctrl-C, SIGTERM) loses every topic, message and committed offset.`;

/**
 * The Kafka test broker as a command a user runs (`npm run kafka:test-broker`, built into
 * dist/ by `npm run build`): for trying the distributed mode without Kafka. Prints
 * `kafka-test-broker listening on <host:port>` once it accepts connections; on SIGINT or
 * SIGTERM it stops, prints `kafka-test-broker stopped, <n> errors` (requests it could not
 * serve, each also printed when it happened) and exits 0.
 */
async function main(): Promise<void> {
  let values: {
    port?: string;
    host?: string;
    partitions?: string;
    'auto-create-topics'?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '9092' },
        host: { type: 'string', default: '127.0.0.1' },
        partitions: { type: 'string', default: '1' },
        'auto-create-topics': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const partitions = Number(values.partitions);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0 for a free one), not ${values.port}`);
    process.exit(2);
  }
  if (!Number.isInteger(partitions) || partitions < 1) {
    console.error(`--partitions must be a positive integer, not ${values.partitions}`);
    process.exit(2);
  }
  let broker: KafkaTestBroker;
  try {
    broker = await KafkaTestBroker.start({
      port,
      host: values.host,
      defaultPartitions: partitions,
      // Off unless asked, as the compose file's Kafka: the apps create their topics at start-up,
      // and a topic auto-created by a client's Metadata would get --partitions partitions.
      autoCreateTopics: values['auto-create-topics'] ?? false,
    });
  } catch (error) {
    console.error(`kafka-test-broker: cannot listen on ${values.host}:${port}: ${String(error)}`);
    process.exit(1);
  }
  stopOnSignals(broker);
  console.log(`kafka-test-broker listening on ${broker.brokers[0]}`);
  console.log(
    'kafka-test-broker: a test harness, in memory: stopping it loses every topic, message and ' +
      'committed offset (docs/KAFKA-TEST-BROKER.md)',
  );
}

/**
 * On SIGTERM or SIGINT: stops the broker, prints `kafka-test-broker stopped, <n> errors`
 * (requests it could not serve) and exits. For every process that serves a test broker.
 */
export function stopOnSignals(broker: KafkaTestBroker): void {
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await broker.stop();
    console.log(`kafka-test-broker stopped, ${broker.errors.length} errors`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (require.main === module) void main();
