import { LIMITS } from '../report-vocabulary';
import type { CountEstimate } from '../report.types';
import {
  AtLeastBest,
  AtMostBest,
  Optional,
  Required,
  WholeNumber,
} from '../validation/contract-decorators';

/** `{ low?, best, high? }` with 0 <= low <= best <= high, as UCDP's estimates. */
export class CountEstimateDto implements CountEstimate {
  @Optional()
  @WholeNumber(0, LIMITS.count)
  @AtMostBest()
  low?: number;

  @Required()
  @WholeNumber(0, LIMITS.count)
  best: number;

  @Optional()
  @WholeNumber(0, LIMITS.count)
  @AtLeastBest()
  high?: number;
}
