import type { Report } from './reports.ts';

/** How long after a dropped stream it is opened again (the server's `retry:` too). */
export const REPORT_RETRY_MS = 3000;
/** How long after a refusal that may pass (429, a server without the stream) it is tried again. */
export const REPORT_BACKOFF_MS = 30_000;

export interface ReportEventHandlers {
  /** The stream (re)opened: load the list now, so that nothing filed while it was shut is missed. */
  onOpen: () => void;
  /** A report was filed (`event: report`), or marked done or open again (`event: report-state`). */
  onReport: (report: Report) => void;
  /** The server closed the stream for good (signed out, a refused sign-in or token): why, in words. */
  onClosed: (message: string) => void;
}

/** What the subscription reaches for; the browser's own by default (a fake one in the spec). */
export interface ReportTransport {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  later: (ms: number, run: () => void) => () => void;
}

const browserTransport: ReportTransport = {
  fetch: (url, init) => fetch(url, init),
  later: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** One `event:`/`data:` block of a `text/event-stream`; comments and `retry:` lines are skipped. */
export function parseEventBlock(block: string): { event: string; data: string } | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length > 0 ? { event, data: data.join('\n') } : undefined;
}

const SIGNED_OUT = 'You were signed out (in another tab, or your sign-in expired): sign in again.';

/**
 * Follows `GET /api/reports/events` until the returned function is called: with the instructor's
 * cookie, or, given `token`, the admin token. It is read with fetch rather than EventSource, which
 * cannot send the token's `Authorization` header (and the token stays out of URLs and logs). A
 * dropped stream is opened again after 3 s; 401, 403 or `event: signed-out` end it for good.
 */
export function subscribeReports(
  token: string | undefined,
  on: ReportEventHandlers,
  transport: ReportTransport = browserTransport,
): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  let cancelRetry: (() => void) | undefined;

  const retry = (ms: number) => {
    if (!stopped) cancelRetry = transport.later(ms, () => void connect());
  };
  const finish = (message: string) => {
    if (stopped) return;
    stopped = true;
    controller?.abort();
    on.onClosed(message);
  };

  const connect = async () => {
    if (stopped) return;
    controller = new AbortController();
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await transport.fetch('/api/reports/events', {
        headers,
        cache: 'no-store',
        signal: controller.signal,
      });
    } catch {
      return retry(REPORT_RETRY_MS);
    }
    if (stopped) return void response.body?.cancel();
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => undefined)) as
        { error?: { message?: unknown } } | undefined;
      const message = body?.error?.message;
      if (response.status === 401 || response.status === 403)
        return finish(typeof message === 'string' ? message : SIGNED_OUT);
      const after = Number(response.headers.get('retry-after'));
      return retry(after > 0 ? after * 1000 : REPORT_BACKOFF_MS);
    }
    on.onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || stopped) break;
        buffer += value;
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const found = parseEventBlock(block);
          if (!found || stopped) continue;
          if (found.event === 'signed-out') return finish(SIGNED_OUT);
          if (found.event !== 'report' && found.event !== 'report-state') continue;
          try {
            on.onReport(JSON.parse(found.data) as Report);
          } catch {
            // Not a report: nothing to show.
          }
        }
      }
    } catch {
      // The connection dropped (or this page stopped listening).
    }
    retry(REPORT_RETRY_MS);
  };

  void connect();
  return () => {
    stopped = true;
    controller?.abort();
    cancelRetry?.();
  };
}
