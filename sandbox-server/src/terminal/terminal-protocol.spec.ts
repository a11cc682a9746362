import { describe, expect, it } from 'vitest';
import { FlowControl, Utf8Joiner, parseClientControl } from './terminal-protocol.ts';

describe('parseClientControl', () => {
  it('accepts resize and ack messages', () => {
    expect(parseClientControl('{"type":"resize","cols":120,"rows":40}')).toEqual({
      type: 'resize',
      cols: 120,
      rows: 40,
    });
    expect(parseClientControl('{"type":"ack","bytes":65536}')).toEqual({ type: 'ack', bytes: 65536 });
  });

  it('accepts the page saying someone is there', () => {
    expect(parseClientControl('{"type":"active"}')).toEqual({ type: 'active' });
  });

  it.each([
    ['not json', /JSON control message/],
    ['42', /JSON object/],
    ['null', /JSON object/],
    ['{"type":"resize","cols":0,"rows":10}', /cols.*rows/],
    ['{"type":"resize","cols":80.5,"rows":10}', /integer/],
    ['{"type":"resize","cols":5000,"rows":10}', /1 to 1000/],
    ['{"type":"ack","bytes":-1}', /non-negative/],
    ['{"type":"exec","cmd":"rm -rf /"}', /Unknown control message type "exec"/],
    ['{}', /Unknown control message type undefined/],
    ['{"type":"Active"}', /Unknown control message type "Active"; expected "resize", "ack" or "active"/],
    ['{"type":"active"', /JSON control message/],
    ['"active"', /JSON object/],
    ['x'.repeat(2000), /at most 1024/],
  ])('rejects %s with a sentence', (text, message) => {
    const result = parseClientControl(text);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(message);
  });
});

describe('FlowControl', () => {
  it('pauses above the high watermark and resumes only below the low one', () => {
    const events: string[] = [];
    const flow = new FlowControl(
      () => events.push('pause'),
      () => events.push('resume'),
      100,
      20,
    );
    flow.sent(60);
    flow.sent(60);
    expect(events).toEqual(['pause']);
    flow.sent(50); // no second pause
    flow.acked(100); // 70 pending: still above low
    expect(events).toEqual(['pause']);
    flow.acked(60); // 10 pending
    expect(events).toEqual(['pause', 'resume']);
    expect(flow.isPaused).toBe(false);
    flow.acked(1000);
    expect(flow.pending).toBe(0);
  });
});

describe('Utf8Joiner', () => {
  it('holds back a character cut between frames until its last byte comes', () => {
    const joiner = new Utf8Joiner();
    const euro = Buffer.from('echo \u20ac-ok\r', 'utf8');
    const first = joiner.push(euro.subarray(0, 6));
    const second = joiner.push(euro.subarray(6));
    expect(first.toString('utf8')).toBe('echo ');
    expect(second.toString('utf8')).toBe('\u20ac-ok\r');
  });

  it('passes whole characters, four-byte ones included, at once', () => {
    const joiner = new Utf8Joiner();
    expect(joiner.push(Buffer.from('a\u00e9\u20ac\u{1f433}')).toString('utf8')).toBe(
      'a\u00e9\u20ac\u{1f433}',
    );
    const whale = Buffer.from('\u{1f433}');
    expect(joiner.push(whale.subarray(0, 1)).length).toBe(0);
    expect(joiner.push(whale.subarray(1, 3)).length).toBe(0);
    expect(joiner.push(whale.subarray(3)).toString('utf8')).toBe('\u{1f433}');
  });

  it('passes control bytes and stray continuation bytes on unchanged', () => {
    const joiner = new Utf8Joiner();
    expect([...joiner.push(Buffer.from([0x03, 0x1b, 0x5b, 0x41]))]).toEqual([0x03, 0x1b, 0x5b, 0x41]);
    expect([...joiner.push(Buffer.from([0x80, 0x80, 0x80, 0x80]))]).toEqual([0x80, 0x80, 0x80, 0x80]);
  });
});
