import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { FieldProblem, ProblemError } from '@cm/platform';

/** A query DTO may check rules across its fields once each field is valid on its own. */
export interface CrossFieldRules {
  crossFieldProblems(): FieldProblem[];
}

/**
 * Validates a handler's `@Query()` object against its DTO class (class-validator decorators,
 * class-transformer conversions) and answers 400 problem+json naming each bad parameter.
 * Unknown parameters are refused too: a misspelt filter must not silently return everything.
 */
@Injectable()
export class QueryParamsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const type = metadata.metatype;
    if (metadata.type !== 'query' || !type || type === Object) return value;
    const params = plainToInstance(type, value ?? {}) as object;
    const errors = validateSync(params, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
    });
    const problems = errors.flatMap((error) => toProblems(error));
    if (problems.length === 0 && hasCrossFieldRules(params)) {
      problems.push(...params.crossFieldProblems());
    }
    if (problems.length > 0) {
      throw ProblemError.validation(problems, 'The query parameters are not valid.');
    }
    return params;
  }
}

function toProblems(error: ValidationError, parent = ''): FieldProblem[] {
  const path = parent ? `${parent}.${error.property}` : error.property;
  const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
    path,
    message: constraint === 'whitelistValidation' ? 'is not a known parameter' : message,
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => toProblems(child, path))];
}

function hasCrossFieldRules(value: object): value is CrossFieldRules {
  return typeof (value as Partial<CrossFieldRules>).crossFieldProblems === 'function';
}
