import { describe, expect, it } from 'vitest';
import { showsSomeoneThere } from './activity.ts';
import { parseClientControl } from './terminal-protocol.ts';

/** The frame as the bridge reads it off the socket. */
const control = (text: string) => {
  const msg = parseClientControl(text);
  if ('error' in msg) throw new Error(msg.error);
  return msg;
};

describe('what keeps a terminal session from going idle', () => {
  it('a keystroke and the page in view do', () => {
    expect(showsSomeoneThere({ type: 'input', bytes: 1 })).toBe(true);
    expect(showsSomeoneThere(control('{"type":"active"}'))).toBe(true);
  });

  it('an open tab that only acknowledges output and reports its size does not', () => {
    expect(showsSomeoneThere(control('{"type":"ack","bytes":16384}'))).toBe(false);
    expect(showsSomeoneThere(control('{"type":"resize","cols":80,"rows":24}'))).toBe(false);
    expect(showsSomeoneThere({ type: 'input', bytes: 0 })).toBe(false);
  });
});
