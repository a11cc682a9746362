import { describe, expect, it } from 'vitest';
import { FlowControl, parseClientControl } from './terminal-protocol.ts';

describe('parseClientControl', () => {
  it('accepts resize and ack messages', () => {
    expect(parseClientControl('{"type":"resize","cols":120,"rows":40}')).toEqual({
      type: 'resize',
      cols: 120,
      rows: 40,
    });
    expect(parseClientControl('{"type":"ack","bytes":65536}')).toEqual({ type: 'ack', bytes: 65536 });
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
