import { CASUALTY_CATEGORIES, CasualtyCategory } from '../report-vocabulary';
import type { CasualtyDetails } from '../report.types';
import { Actor, Flag, Nested, OneOf, Required } from '../validation/contract-decorators';
import { CountEstimateDto } from './count-estimate.dto';

/** Losses of one party in one category, as an increment or a running total. */
export class CasualtyDetailsDto implements CasualtyDetails {
  @Required()
  @Actor()
  party: string;

  @Required()
  @OneOf(CASUALTY_CATEGORIES)
  category: CasualtyCategory;

  @Required()
  @Flag()
  civilian: boolean;

  @Required()
  @Nested(() => CountEstimateDto)
  count: CountEstimateDto;

  @Required()
  @Flag()
  cumulative: boolean;
}
