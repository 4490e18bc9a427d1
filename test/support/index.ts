export * from './database';
export * from './test-app';
export * from './openapi-responses';
export * from './eventually';
