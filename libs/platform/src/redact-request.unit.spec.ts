import { redactRequest } from './platform.module';

describe('redactRequest (what the logs show of a request)', () => {
  it('censors the Authorization header and a stream token, in the URL and the query', () => {
    const headers = { authorization: 'Bearer secret-key', 'content-type': 'application/json' };
    const query = { token: 'a.b', theatre: 'kursk' };
    const request = {
      method: 'GET',
      url: '/v1/alerts/stream?token=a.b&theatre=kursk',
      headers,
      query,
    };
    expect(redactRequest(request)).toEqual({
      method: 'GET',
      url: '/v1/alerts/stream?token=[REDACTED]&theatre=kursk',
      headers: { authorization: '[Redacted]', 'content-type': 'application/json' },
      query: { token: '[Redacted]', theatre: 'kursk' },
    });
    // The request itself is left as it was.
    expect(headers.authorization).toBe('Bearer secret-key');
    expect(query.token).toBe('a.b');
  });

  it('adds nothing that was not there', () => {
    const request = { url: '/v1/reports', headers: { accept: '*/*' }, query: {} };
    expect(redactRequest(request)).toEqual(request);
    expect(redactRequest({ url: undefined })).toEqual({ url: undefined });
  });
});
