import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateBy } from 'class-validator';
import { EARLIEST_INSTANT_MESSAGE, parseIsoDateTime, parseStorableDateTime } from '@cm/contracts';

type PropertyDecorator = (target: object, property: string) => void;

function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}

/**
 * A query parameter holding an RFC 3339 date-time (`2026-03-01T00:00:00Z`), the form every
 * date of the contract takes; the DTO keeps the string and `toDate` converts it.
 */
export const IsIsoDateTimeParam = (): PropertyDecorator =>
  all(
    IsString({ message: 'must be given once, as an RFC 3339 date-time' }),
    ValidateBy({
      name: 'isIsoDateTimeParam',
      validator: {
        validate: (value) => parseIsoDateTime(value) !== undefined,
        defaultMessage: () =>
          'must be an RFC 3339 date-time with a time zone, e.g. 2026-03-01T00:00:00Z',
      },
    }),
    // Year 0 and the like are valid RFC 3339 but not PostgreSQL timestamps.
    ValidateBy({
      name: 'isStorableDateTimeParam',
      validator: {
        validate: (value) =>
          parseIsoDateTime(value) === undefined || parseStorableDateTime(value) !== undefined,
        defaultMessage: () => EARLIEST_INSTANT_MESSAGE,
      },
    }),
  );

/**
 * An integer query parameter in [min, max]. Query strings are text: the value is converted
 * only when it is written as a plain decimal integer, so `1e3`, `0x10` or `5.0` are refused.
 */
export const IntegerParam = (min: number, max: number): PropertyDecorator => {
  const message = `must be an integer from ${min} to ${max}`;
  return all(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value,
    ),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
};

export function toDate(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(parseIsoDateTime(value)!);
}
