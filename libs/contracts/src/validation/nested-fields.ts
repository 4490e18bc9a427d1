export type DtoClass<T extends object = object> = new () => T;

/** A property holding another DTO (or a list of them), declared by @Nested/@NestedList. */
export interface NestedField {
  readonly type: () => DtoClass;
  readonly list: boolean;
}

// class-validator's ValidateNested finds the nested class from the instance it is given;
// plain JSON has no class, so the DTOs say which class each nested property holds.
const nestedFields = new Map<object, Map<string, NestedField>>();

export function registerNestedField(target: object, property: string, field: NestedField): void {
  let fields = nestedFields.get(target);
  if (fields === undefined) nestedFields.set(target, (fields = new Map<string, NestedField>()));
  fields.set(property, field);
}

export function nestedFieldOf(target: object, property: string): NestedField | undefined {
  return nestedFields.get(target)?.get(property);
}

/** What class-validator's isObject accepts, and what JSON calls an object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
