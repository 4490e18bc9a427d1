import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import { COUNTRY_CODES, STATE_ACTOR_CODES } from '../country-codes';
import { REPORT_ID_PATTERN, SLUG_PATTERN } from '../report-vocabulary';
import type { DtoClass } from './nested-fields';
import { registerNestedField } from './nested-fields';
import { parseIsoDateTime } from './iso-date-time';
import {
  EARLIEST_INSTANT_MESSAGE,
  isStorableInstant,
  isStorableText,
  STORABLE_TEXT_MESSAGE,
} from './storable-values';

/**
 * The contract's field rules as class-validator decorators, each with a message that reads
 * after the field's path (`details.count.best: must be an integer`).
 *
 * Where a value breaks several rules, the error names the first one listed (see
 * validation-plan.ts), so each composite lists its type check first. Every rule needs a
 * message: the plan refuses one without.
 */

type FieldDecorator = (target: object, property: string) => void;

/** Applies decorators as if stacked in this order above a property. */
function all(...decorators: FieldDecorator[]): FieldDecorator {
  return (target, property) => {
    for (let i = decorators.length - 1; i >= 0; i--) decorators[i](target, property);
  };
}

/** Names of our own constraints, which contract-schemas.ts maps to JSON Schema. */
export const CUSTOM_CONSTRAINTS = {
  isoDateTime: 'isIsoDateTime',
  actor: 'isActor',
  countryCode: 'isCountryCode',
  atMostBest: 'isAtMostBest',
  atLeastBest: 'isAtLeastBest',
  storableText: 'isStorableText',
  storableInstant: 'isStorableInstant',
} as const;

function rule(
  name: string,
  message: string,
  validate: (value: unknown, object: Record<string, unknown>) => boolean,
): FieldDecorator {
  return (target, property) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: property,
      options: { message },
      validator: {
        validate: (value, args) => validate(value, args!.object as Record<string, unknown>),
      },
    });
}

const STRING = { message: 'must be a string' };

export const Required = (message = 'is required'): FieldDecorator => IsDefined({ message });

/** Absent or null: the field is left out of the normalised value. */
export const Optional = (): FieldDecorator => IsOptional();

/** No NUL, no unpaired surrogate: what PostgreSQL's text and jsonb can hold. */
const StorableText = (): FieldDecorator =>
  rule(
    CUSTOM_CONSTRAINTS.storableText,
    STORABLE_TEXT_MESSAGE,
    (value) => typeof value !== 'string' || isStorableText(value),
  );

export const Text = (maxLength: number): FieldDecorator =>
  all(
    IsString(STRING),
    Length(1, maxLength, { message: `must be 1 to ${maxLength} characters long` }),
    StorableText(),
    Matches(/\S/, { message: 'must not be blank' }),
  );

export const ReportId = (): FieldDecorator =>
  all(
    IsString(STRING),
    Matches(REPORT_ID_PATTERN, {
      message: 'must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", ":" and "-"',
    }),
  );

export const Slug = (): FieldDecorator =>
  all(
    IsString(STRING),
    Matches(SLUG_PATTERN, { message: 'must be a slug: 2 to 64 characters of a-z, 0-9 and "-"' }),
  );

export const Actor = (): FieldDecorator =>
  all(
    IsString(STRING),
    rule(
      CUSTOM_CONSTRAINTS.actor,
      'must be an upper-case ISO 3166-1 alpha-2 code for a state (e.g. RU) or a slug of a-z, 0-9 and "-" (e.g. wagner-group)',
      (value) =>
        typeof value === 'string' && (STATE_ACTOR_CODES.has(value) || SLUG_PATTERN.test(value)),
    ),
  );

export const CountryCode = (): FieldDecorator =>
  all(
    IsString(STRING),
    rule(
      CUSTOM_CONSTRAINTS.countryCode,
      'must be an upper-case ISO 3166-1 alpha-2 country code (e.g. UA)',
      (value) => typeof value === 'string' && COUNTRY_CODES.has(value),
    ),
  );

export const DateTime = (): FieldDecorator =>
  all(
    IsString(STRING),
    rule(
      CUSTOM_CONSTRAINTS.isoDateTime,
      'must be an RFC 3339 date-time with seconds and a zone, e.g. 2024-12-01T06:00:00Z',
      (value) => parseIsoDateTime(value) !== undefined,
    ),
    rule(CUSTOM_CONSTRAINTS.storableInstant, EARLIEST_INSTANT_MESSAGE, (value) => {
      const ms = parseIsoDateTime(value);
      return ms === undefined || isStorableInstant(ms);
    }),
  );

export const OneOf = (values: readonly string[]): FieldDecorator =>
  IsIn(values as string[], { message: `must be one of: ${values.join(', ')}` });

export const WholeNumber = (min: number, max: number): FieldDecorator =>
  all(
    IsInt({ message: 'must be an integer' }),
    Min(min, { message: `must be at least ${min}` }),
    Max(max, { message: `must be at most ${max}` }),
  );

export const Decimal = (min: number, max: number): FieldDecorator =>
  all(
    IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' }),
    Min(min, { message: `must be at least ${min}` }),
    Max(max, { message: `must be at most ${max}` }),
  );

export const Flag = (): FieldDecorator => IsBoolean({ message: 'must be true or false' });

export const HttpUrl = (maxLength: number): FieldDecorator =>
  all(
    IsString(STRING),
    Length(1, maxLength, { message: `must be 1 to ${maxLength} characters long` }),
    StorableText(),
    IsUrl(
      { protocols: ['http', 'https'], require_protocol: true },
      { message: 'must be an http or https URL' },
    ),
  );

/** A nested object validated as `type`. */
export const Nested = (type: () => DtoClass): FieldDecorator =>
  all(IsObject({ message: 'must be an object' }), ValidateNested(), (target, property) =>
    registerNestedField(target.constructor, property, { type, list: false }),
  );

export const NestedList = (
  type: () => DtoClass,
  size: { min: number; max: number },
): FieldDecorator =>
  all(
    IsArray({ message: 'must be a list' }),
    ArrayMinSize(size.min, { message: `must have at least ${size.min} item(s)` }),
    ArrayMaxSize(size.max, { message: `must have at most ${size.max} items` }),
    IsObject({ each: true, message: 'must hold only objects' }),
    ValidateNested({ each: true }),
    (target, property) => registerNestedField(target.constructor, property, { type, list: true }),
  );

/** For CountEstimate.low: a failing order is reported on the member that breaks it. */
export const AtMostBest = (): FieldDecorator =>
  rule(
    CUSTOM_CONSTRAINTS.atMostBest,
    'must not be greater than best',
    (value, object) =>
      typeof value !== 'number' || typeof object.best !== 'number' || value <= object.best,
  );

export const AtLeastBest = (): FieldDecorator =>
  rule(
    CUSTOM_CONSTRAINTS.atLeastBest,
    'must not be less than best',
    (value, object) =>
      typeof value !== 'number' || typeof object.best !== 'number' || value >= object.best,
  );
