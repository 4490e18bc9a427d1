import { uuidV7 } from './event-id';

describe('uuidV7', () => {
  it('is a version 7, RFC variant UUID', () => {
    expect(uuidV7()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('starts with the millisecond timestamp, so ids sort by time', () => {
    const id = uuidV7(0x0123456789ab);
    expect(id.startsWith('01234567-89ab-7')).toBe(true);
    expect(uuidV7(1_000) < uuidV7(2_000)).toBe(true);
  });

  it('differs between calls within the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidV7(42)));
    expect(ids.size).toBe(1000);
  });
});
