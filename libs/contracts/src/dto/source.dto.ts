import {
  Credibility,
  LIMITS,
  Reliability,
  RELIABILITY_GRADES,
  SOURCE_KINDS,
  SourceKind,
} from '../report-vocabulary';
import type { ReportSource } from '../report.types';
import {
  HttpUrl,
  OneOf,
  Optional,
  Required,
  Text,
  WholeNumber,
} from '../validation/contract-decorators';

/** Who published the claim, graded with the Admiralty code. */
export class SourceDto implements ReportSource {
  @Required()
  @Text(LIMITS.sourceName)
  name: string;

  @Required()
  @OneOf(SOURCE_KINDS)
  kind: SourceKind;

  @Required()
  @OneOf(RELIABILITY_GRADES)
  reliability: Reliability;

  @Required()
  @WholeNumber(1, 6)
  credibility: Credibility;

  @Optional()
  @HttpUrl(LIMITS.url)
  url?: string;
}
