/**
 * The statement id pattern on its own, for code that checks ids without
 * validating statements (the messages between functions). Importing
 * core/statement/schema instead would pull the whole statement schema into the
 * send bundle and build it at cold start (docs/performance.md,
 * send.coldInitRatio). schema.ts re-exports it as `STATEMENT_ID`.
 */
export const STATEMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/;
