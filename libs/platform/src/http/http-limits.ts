/** Request size limits of every HTTP app, named in their error answers. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Longest path parameter the router takes. Fastify's default is 100, but report ids may be
 * 128 characters: those reports were stored and then answered 414 on every read and write.
 */
export const MAX_PARAM_LENGTH = 256;

/** Node's default limit on the request line and headers together (--max-http-header-size). */
export const MAX_HEADER_BYTES = 16 * 1024;
