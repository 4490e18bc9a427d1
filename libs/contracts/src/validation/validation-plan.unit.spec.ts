import type { ValidationError } from 'class-validator';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { CorrectionDto } from '../dto/correction.dto';
import { DETAILS_DTO_BY_TYPE } from '../dto/report-details.dto';
import { ReportDto } from '../dto/report.dto';
import type { ReportType } from '../report-vocabulary';
import { isReportType, REPORT_TYPES } from '../report-vocabulary';
import {
  aCasualtyReport,
  aDeploymentReport,
  aSanctionDemandReport,
  aViolationReport,
} from '../testing';
import type { DtoClass } from './nested-fields';
import { isRecord, nestedFieldOf } from './nested-fields';
import { checkObject, interpretObject } from './validation-plan';
import type { FieldError } from './validation-result';
import { joinPath } from './validation-result';

/**
 * The plan runs the decorators' rules without class-validator's executor (for speed). This
 * holds it to what class-validator itself says: for bodies broken in every way, validateSync
 * over class instances, with whitelist and forbidNonWhitelisted, rejects the same fields
 * with the same messages.
 */
describe('the validation plan against class-validator’s validateSync', () => {
  const keyOf = fc.string({ maxLength: 8 }).filter((key) => !UNSAFE_KEYS.has(key));
  const junk = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(-1, 0, 1.5, 7, 1e12, '', '   ', 'XX', 'ru', 'RU', 'EU', 'a'.repeat(300)),
    fc.constantFrom('2024-13-45T00:00:00Z', '2024-11-04', '2024-11-04T00:00:00+02:00'),
    // What PostgreSQL cannot store: NUL, unpaired surrogates, instants before 1900.
    fc.constantFrom('a\u0000b', '\ud800', 'x\udc00y', '\ud83d\ude00', '\u0000'),
    fc.constantFrom('0000-01-01T00:00:00Z', '1899-12-31T23:59:59Z', '1900-01-01T00:00:00Z'),
    fc.constantFrom('deployment', 'casualty', 'ceasefire_violation', 'sanction_demand', 'day'),
    fc.constant(Array.from({ length: 60 }, () => ({ category: 'drone' }))),
    fc.array(fc.anything({ key: keyOf, maxDepth: 2 }), { maxLength: 3 }),
    fc.dictionary(keyOf, fc.anything({ key: keyOf, maxDepth: 1 }), { maxKeys: 3 }),
  );
  const mutation = fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'add'), junk, keyOf);

  /** A valid report of any type with one to three paths replaced, deleted or added to. */
  const brokenReport = fc
    .tuple(
      fc.constantFrom(aDeploymentReport, aCasualtyReport, aViolationReport, aSanctionDemandReport),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
    )
    .map(([build, mutations]) => {
      const report: any = build();
      for (const [pick, kind, value, key] of mutations) mutate(report, pick, kind, value, key);
      return report;
    });

  it('given broken reports, then both reject the same fields with the same messages', () => {
    fc.assert(
      fc.property(brokenReport, (report) => {
        const errors = planErrors(report, ReportDto);
        expect(sorted(errors)).toEqual(sorted(referenceErrors(report, ReportDto)));
        // The compiled plan gives the interpreted plan's errors in the same order.
        expect(errors).toEqual(planErrors(report, ReportDto, undefined, interpretObject));
      }),
      { numRuns: 1500 },
    );
  });

  it('given broken corrections, then both agree too', () => {
    const brokenCorrection = fc
      .tuple(
        fc.constantFrom<ReportType>(...REPORT_TYPES),
        fc.constantFrom(
          aDeploymentReport,
          aCasualtyReport,
          aViolationReport,
          aSanctionDemandReport,
        ),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
      )
      .map(([type, build, mutations]) => {
        const correction: any = { expectedVersion: 2, details: build().details, reason: 'revised' };
        for (const [pick, kind, value, key] of mutations)
          mutate(correction, pick, kind, value, key);
        return { type, correction };
      });
    fc.assert(
      fc.property(brokenCorrection, ({ type, correction }) => {
        const errors = planErrors(correction, CorrectionDto, type);
        expect(sorted(errors)).toEqual(sorted(referenceErrors(correction, CorrectionDto, type)));
        expect(errors).toEqual(planErrors(correction, CorrectionDto, type, interpretObject));
      }),
      { numRuns: 500 },
    );
  });
});

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function mutate(root: any, pick: number, kind: string, shared: unknown, key: string): void {
  // Generated values may be shared between runs and mutations; a copy keeps bodies acyclic.
  const value = structuredClone(shared);
  const containers: any[] = [];
  const paths: [any, string][] = [];
  const walk = (node: any) => {
    if (node === null || typeof node !== 'object') return;
    containers.push(node);
    for (const field of Object.keys(node)) {
      paths.push([node, field]);
      walk(node[field]);
    }
  };
  walk(root);
  if (kind === 'add') {
    const container = containers[pick % containers.length];
    if (Array.isArray(container)) container.push(value);
    else container[key] = value;
    return;
  }
  const [parent, field] = paths[pick % paths.length];
  // JSON has no holes in arrays: an item is removed, not deleted.
  if (kind === 'delete' && Array.isArray(parent)) parent.splice(Number(field), 1);
  else if (kind === 'delete') delete parent[field];
  else parent[field] = value;
}

/** Errors of the DTO rules only (the clock rules across fields are not class-validator's). */
function planErrors(
  body: any,
  type: DtoClass,
  detailsType?: ReportType,
  check: typeof checkObject = checkObject,
): FieldError[] {
  const errors: FieldError[] = [];
  check(body, type, '', errors);
  const chosen = detailsType ?? (isReportType(body.type) ? body.type : undefined);
  if (chosen !== undefined && isRecord(body.details)) {
    check(body.details, DETAILS_DTO_BY_TYPE[chosen as ReportType], 'details', errors);
  }
  return errors;
}

function referenceErrors(body: any, type: DtoClass, detailsType?: ReportType): FieldError[] {
  const instance: any = toInstance(body, type);
  const chosen = detailsType ?? (isReportType(body.type) ? body.type : undefined);
  if (chosen !== undefined && isRecord(body.details)) {
    instance.details = toInstance(body.details, DETAILS_DTO_BY_TYPE[chosen as ReportType]);
  }
  const tree = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  const errors: FieldError[] = [];
  flatten(tree, '', errors);
  return errors;
}

/** class-transformer's plainToInstance, for our classes: nested DTOs become instances. */
function toInstance(plain: Record<string, unknown>, type: DtoClass): object {
  const instance: any = Object.create(type.prototype);
  for (const [key, value] of Object.entries(plain)) {
    const nested = nestedFieldOf(type, key);
    let copy = value;
    if (nested?.list && Array.isArray(value)) {
      copy = value.map((item) => (isRecord(item) ? toInstance(item, nested.type()) : item));
    } else if (nested && isRecord(value)) {
      copy = toInstance(value, nested.type());
    }
    instance[key] = copy;
  }
  return instance;
}

/** A field with its own failed rules is reported alone, with the rule listed first. */
function flatten(tree: ValidationError[], parent: string, errors: FieldError[]): void {
  for (const error of tree) {
    const path = joinPath(parent, error.property);
    const constraints = error.constraints;
    if (constraints !== undefined) {
      const keys = Object.keys(constraints).filter((key) => key !== 'nestedValidation');
      const message =
        constraints.whitelistValidation !== undefined
          ? 'is not an allowed field'
          : (constraints.isDefined ?? constraints[keys[keys.length - 1] ?? 'nestedValidation']);
      errors.push({ path, message });
    } else {
      flatten(error.children ?? [], path, errors);
    }
  }
}

const sorted = (errors: FieldError[]) => errors.map((e) => `${e.path}: ${e.message}`).sort();
