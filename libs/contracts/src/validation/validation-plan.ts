import type { ValidationArguments } from 'class-validator';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { LIMITS } from '../report-vocabulary';
import type { DtoClass, NestedField } from './nested-fields';
import { isRecord, nestedFieldOf } from './nested-fields';
import type { FieldError } from './validation-result';
import { joinPath } from './validation-result';

/**
 * Runs the rules the DTO decorators declare, read once from class-validator's metadata
 * storage, over plain parsed JSON.
 *
 * Why not validateSync: for every object and every call it filters the whole metadata
 * storage, groups it by property, builds a ValidationError per property (valid or not) and
 * needs class instances, which cost a copy of the body. That held validateReport to about
 * 8,000 reports/s on one core, against a batch ingest target of 20,000/s including the
 * database. The decorators stay the single statement of the rules, and each rule is still
 * class-validator's own check (isInt, isIn, matches, isURL, ...); only the loop is ours.
 * A differential test (validation-plan.unit.spec.ts) holds it to validateSync's verdicts
 * with whitelist and forbidNonWhitelisted on.
 *
 * Supported, as the DTOs use them: IsDefined, IsOptional/ValidateIf, custom and built-in
 * rules (with `each`), ValidateNested of a registered @Nested/@NestedList type. Anything
 * else (groups, async rules, rules without a message) fails when the plan is compiled.
 */

type Metadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

interface Rule {
  readonly each: boolean;
  readonly constraints: unknown[];
  readonly message: string;
  readonly validate: (value: unknown, args: ValidationArguments) => boolean;
  readonly when?: (object: unknown, value: unknown) => boolean;
}

interface PropertyPlan {
  readonly name: string;
  readonly conditions: ReadonlyArray<(object: unknown, value: unknown) => boolean>;
  readonly requiredMessage?: string;
  readonly rules: readonly Rule[];
  /** Set when the property is ValidateNested; no `field` means the caller chooses the class. */
  readonly nested?: { readonly each: boolean; readonly field?: NestedField };
}

export interface ClassPlan {
  readonly name: string;
  readonly known: ReadonlySet<string>;
  readonly properties: readonly PropertyPlan[];
}

const plans = new Map<object, ClassPlan>();
const MAX_ERRORS = LIMITS.fieldErrors;

export function planFor(type: DtoClass): ClassPlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    plan = compile(type);
    plans.set(type, plan);
  }
  return plan;
}

function compile(type: DtoClass): ClassPlan {
  const storage = getMetadataStorage();
  const metadata = storage.getTargetValidationMetadatas(type, '', true, false);
  const byProperty = new Map<string, Metadata[]>();
  for (const entry of metadata) {
    if (entry.groups?.length) throw unsupported(type, entry, 'validation groups');
    const list = byProperty.get(entry.propertyName) ?? [];
    list.push(entry);
    byProperty.set(entry.propertyName, list);
  }
  const properties: PropertyPlan[] = [];
  for (const [name, entries] of byProperty) {
    const conditions: ((object: unknown, value: unknown) => boolean)[] = [];
    const rules: Rule[] = [];
    let requiredMessage: string | undefined;
    let nested: PropertyPlan['nested'];
    for (const entry of entries) {
      switch (entry.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          // ValidateIf keeps its condition as the first constraint.
          conditions.push(entry.constraints[0] as (object: unknown, value: unknown) => boolean);
          break;
        case ValidationTypes.NESTED_VALIDATION:
          nested = { each: entry.each, field: nestedFieldOf(type, name) };
          break;
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.IS_DEFINED:
          requiredMessage = messageOf(type, entry);
          break;
        case ValidationTypes.CUSTOM_VALIDATION: {
          const [constraint] = storage.getTargetValidatorConstraints(entry.constraintCls);
          if (constraint === undefined || constraint.async) {
            throw unsupported(type, entry, 'an async or unregistered rule');
          }
          const instance = constraint.instance as { validate: Rule['validate'] };
          rules.push({
            each: entry.each,
            constraints: entry.constraints,
            message: messageOf(type, entry),
            validate: instance.validate.bind(instance),
            when: entry.validateIf,
          });
          break;
        }
        default:
          throw unsupported(type, entry, `the rule type ${entry.type}`);
      }
    }
    properties.push({ name, conditions, requiredMessage, rules, nested });
  }
  return { name: type.name, known: new Set(byProperty.keys()), properties };
}

function messageOf(type: DtoClass, entry: Metadata): string {
  if (typeof entry.message !== 'string' || entry.message === '') {
    throw unsupported(type, entry, 'a rule without a message');
  }
  return entry.message;
}

function unsupported(type: DtoClass, entry: Metadata, what: string): Error {
  return new Error(`${type.name}.${entry.propertyName}: ${what} is not supported by the plan`);
}

type ObjectCheck = (value: Record<string, unknown>, path: string, errors: FieldError[]) => void;

const checks = new Map<object, ObjectCheck>();

/**
 * Checks `value` (a plain object) against `type`'s plan, appending errors with paths under
 * `path`: unknown fields first, then each property's first broken rule. A ValidateNested
 * property without a registered class (`details`) is left for the caller to check.
 *
 * Runs the plan compiled into one function per class (compileCheck): the same steps in the
 * same order as interpretObject, with a call site of its own for each rule.
 */
export function checkObject(
  value: Record<string, unknown>,
  type: DtoClass,
  path: string,
  errors: FieldError[],
): void {
  let check = checks.get(type);
  if (check === undefined) {
    check = compileCheck(planFor(type));
    checks.set(type, check);
  }
  check(value, path, errors);
}

/**
 * The plan's loop, unrolled: each property's conditions, rules and nested check written out
 * as straight-line code over constants. Walking the plan in one generic loop (interpretObject)
 * calls every rule from the same place, which V8 cannot inline or predict; this halves the
 * time of validateReport. The generated text holds only property names (as JSON string
 * literals) and indexes; rules, messages and constraints are passed in as values.
 */
function compileCheck(plan: ClassPlan): ObjectCheck {
  const values: unknown[] = [];
  const ref = (value: unknown): string => {
    values.push(value);
    return `k[${values.length - 1}]`;
  };
  let body = `
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key) || ${ref(plan.known)}.has(key)) continue;
      if (errors.length >= MAX) return;
      errors.push({ path: joinPath(path, key), message: 'is not an allowed field' });
    }`;
  plan.properties.forEach((property, index) => {
    const name = JSON.stringify(property.name);
    const label = `p${index}`;
    body += `
    if (errors.length >= MAX) return;
    ${label}: {
      const v = value[${name}];`;
    for (const condition of property.conditions) {
      body += `
      if (!${ref(condition)}(value, v)) break ${label};`;
    }
    if (property.requiredMessage !== undefined) {
      body += `
      if (v === undefined || v === null) {
        errors.push({ path: joinPath(path, ${name}), message: ${ref(property.requiredMessage)} });
        break ${label};
      }`;
    }
    body += `
      let failed;
      const args = { targetName: ${ref(plan.name)}, property: ${name}, object: value, value: v, constraints: [] };`;
    for (const rule of property.rules) {
      const validate = ref(rule.validate);
      const verdict = rule.each
        ? `(Array.isArray(v) ? every(${validate}, v, args) : ${validate}(v, args))`
        : `${validate}(v, args)`;
      body += `
      ${rule.when === undefined ? '' : `if (${ref(rule.when)}(value, v)) `}{
        args.constraints = ${ref(rule.constraints)};
        if (!${verdict}) failed = ${ref(rule.message)};
      }`;
    }
    body += `
      if (failed !== undefined) {
        errors.push({ path: joinPath(path, ${name}), message: failed });
        break ${label};
      }`;
    const nested = property.nested;
    if (nested?.field !== undefined) {
      body += `
      if (v === undefined || v === null) break ${label};
      const type = ${ref(nested.field)}.type();
      const here = joinPath(path, ${name});`;
      body += nested.each
        ? `
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const item = v[i];
          if (isRecord(item)) checkObject(item, type, joinPath(here, String(i)), errors);
        }
      } else if (isRecord(v)) checkObject(v, type, here, errors);`
        : `
      if (isRecord(v)) checkObject(v, type, here, errors);`;
    }
    body += `
    }`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- built from the plan alone, see above
  const factory = new Function(
    'k',
    'MAX',
    'joinPath',
    'isRecord',
    'checkObject',
    'every',
    `return function check(value, path, errors) {${body}\n};`,
  ) as (...args: unknown[]) => ObjectCheck;
  return factory(
    values,
    MAX_ERRORS,
    joinPath,
    isRecord,
    checkObject,
    (validate: Rule['validate'], items: unknown[], args: ValidationArguments) => {
      for (const item of items) if (!validate(item, args)) return false;
      return true;
    },
  );
}

/**
 * The plan walked by a loop: what compileCheck unrolls, kept as the reference it is tested
 * against (validation-plan.unit.spec.ts), errors in the same order.
 */
export function interpretObject(
  value: Record<string, unknown>,
  type: DtoClass,
  path: string,
  errors: FieldError[],
): void {
  const plan = planFor(type);
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key) || plan.known.has(key)) continue;
    if (errors.length >= MAX_ERRORS) return;
    errors.push({ path: joinPath(path, key), message: 'is not an allowed field' });
  }
  for (const property of plan.properties) {
    if (errors.length >= MAX_ERRORS) return;
    checkProperty(value, property, plan.name, path, errors);
  }
}

function checkProperty(
  object: Record<string, unknown>,
  property: PropertyPlan,
  targetName: string,
  path: string,
  errors: FieldError[],
): void {
  const value = object[property.name];
  for (const condition of property.conditions) if (!condition(object, value)) return;
  if (property.requiredMessage !== undefined && (value === undefined || value === null)) {
    errors.push({ path: joinPath(path, property.name), message: property.requiredMessage });
    return;
  }
  // Every rule runs (as in validateSync, which runs them bottom-up); the error names the
  // failing rule listed first above the property, which is the last to fail here.
  let failed: string | undefined;
  // One arguments object per property: rules read it and do not keep it.
  const args: ValidationArguments = {
    targetName,
    property: property.name,
    object,
    value,
    constraints: [],
  };
  for (const rule of property.rules) {
    if (rule.when !== undefined && !rule.when(object, value)) continue;
    args.constraints = rule.constraints;
    if (
      !(rule.each && Array.isArray(value)
        ? everyItem(rule, value, args)
        : rule.validate(value, args))
    ) {
      failed = rule.message;
    }
  }
  if (failed !== undefined) {
    errors.push({ path: joinPath(path, property.name), message: failed });
    return;
  }
  const nested = property.nested;
  if (nested?.field === undefined || value === undefined || value === null) return;
  const type = nested.field.type();
  const here = joinPath(path, property.name);
  if (nested.each && Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (isRecord(item)) interpretObject(item, type, joinPath(here, String(index)), errors);
    }
  } else if (isRecord(value)) {
    interpretObject(value, type, here, errors);
  }
}

function everyItem(rule: Rule, items: unknown[], args: ValidationArguments): boolean {
  for (const item of items) if (!rule.validate(item, args)) return false;
  return true;
}
