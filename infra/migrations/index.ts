import { EventStore1764000000000 } from './1764000000000-event-store';
import { ReadModels1764100000000 } from './1764100000000-read-models';
import { QueryIndexes1764150000000 } from './1764150000000-query-indexes';
import { Alerts1764200000000 } from './1764200000000-alerts';
import { Kafka1764300000000 } from './1764300000000-kafka';
import { ParkedEvents1764400000000 } from './1764400000000-parked-events';
import { ReportSearch1764413000000 } from './1764413000000-report-search';
import { AlertActors1764500000000 } from './1764500000000-alert-actors';
import { AlertEvidence1764600000000 } from './1764600000000-alert-evidence';

/** Every migration, oldest first. A new file is added here, never edited after it lands. */
export const migrations = [
  EventStore1764000000000,
  ReadModels1764100000000,
  QueryIndexes1764150000000,
  Alerts1764200000000,
  Kafka1764300000000,
  ParkedEvents1764400000000,
  ReportSearch1764413000000,
  AlertActors1764500000000,
  AlertEvidence1764600000000,
];
