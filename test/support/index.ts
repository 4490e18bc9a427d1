export * from './database';
export * from './test-app';
