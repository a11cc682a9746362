import type { ApiErrorBody } from '../../../engine/src/contract.ts';

/** An API answer that was not a success, with the server's message in words. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    /** The whole answer, for routes that say more than `error` (a 400's `problems`). */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Calls the same-origin API and returns the parsed JSON body, or throws an ApiError. */
export async function apiRequest<T>(
  path: string,
  init: { method?: string; token?: string; body?: unknown; file?: { data: Blob; type: string } } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.file) headers['Content-Type'] = init.file.type;
  else if (init.body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.file ? init.file.data : init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError('Could not reach the Dockyard server. Check that it is running, then try again.', 0);
  }

  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw errorFromBody(response.status, body);
  return body as T;
}

function errorFromBody(status: number, body: unknown): ApiError {
  // Read defensively: a proxy in front of the server may answer with another body, or none.
  const error = (body as { error?: Partial<Record<keyof ApiErrorBody['error'], unknown>> } | undefined)
    ?.error;
  const message =
    typeof error?.message === 'string'
      ? error.message
      : `The server answered with status ${status}. Try again in a moment.`;
  return new ApiError(message, status, typeof error?.code === 'string' ? error.code : undefined, body);
}

/** A message to show for anything thrown by an API call. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong. Try again in a moment.';
}
