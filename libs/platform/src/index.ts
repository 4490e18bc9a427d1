export * from './database/embedded-postgres';
export * from './database/migrate';
