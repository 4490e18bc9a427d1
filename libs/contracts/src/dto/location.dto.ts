import { LIMITS, LOCATION_PRECISIONS, LocationPrecision } from '../report-vocabulary';
import type { ReportLocation } from '../report.types';
import { CountryCode, Decimal, OneOf, Required, Text } from '../validation/contract-decorators';

/** Where it happened; every field is required once a location is given. */
export class LocationDto implements ReportLocation {
  @Required()
  @Text(LIMITS.locationName)
  name: string;

  @Required()
  @CountryCode()
  country: string;

  @Required()
  @Decimal(-90, 90)
  lat: number;

  @Required()
  @Decimal(-180, 180)
  lon: number;

  @Required()
  @OneOf(LOCATION_PRECISIONS)
  precision: LocationPrecision;
}
