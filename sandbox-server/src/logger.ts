/** Structured logs: one JSON object per line, `logger.info({ sessionId }, 'sandbox started')`. */
export type LogFields = Record<string, unknown>;

type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = order[(process.env.DOCKYARD_LOG_LEVEL as Level | undefined) ?? 'info'] ?? order.info;

function write(level: Level, fields: LogFields, msg: string): void {
  if (order[level] < threshold) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_k, v: unknown) =>
    // An error keeps its code (ECONNREFUSED, an ApiError's) and stack: the log is where they are read.
    v instanceof Error
      ? {
          message: v.message,
          ...((v as { code?: unknown }).code !== undefined ? { code: (v as { code?: unknown }).code } : {}),
          stack: v.stack,
        }
      : v,
  );
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
}

export const logger = {
  debug: (fields: LogFields, msg: string) => write('debug', fields, msg),
  info: (fields: LogFields, msg: string) => write('info', fields, msg),
  warn: (fields: LogFields, msg: string) => write('warn', fields, msg),
  error: (fields: LogFields, msg: string) => write('error', fields, msg),
};

/**
 * The words that send a learner's report to the log: their session id, which every log line of the
 * session carries, is the reference. What Docker or Incus said stays in the log.
 */
export const logReference = (sessionId: string): string =>
  `(reference ${sessionId}; the server's log has the cause under it)`;
