// For specs: one HTTP call to a server under test, as a browser's fetch would make it, with the
// answer's body read as JSON when the server says it is JSON and as text otherwise.

export interface CallAnswer {
  status: number;
  headers: Headers;
  // Specs read answers field by field; a loose type keeps them short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Calls `base + path`; a string body is sent as it is, any other as JSON. */
export async function callServer(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallAnswer> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') && text !== '';
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text || undefined };
}
