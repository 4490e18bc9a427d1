export type { Queryable } from '@cm/platform/plumbing';
