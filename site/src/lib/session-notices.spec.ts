import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { onSessionNotice, reportSessionEnded, type SessionNotice } from './session-notices.ts';

const idle = new ApiError(
  'Your machine was stopped after 10 minutes without use (others were waiting for one). Its files are gone; your progress and your hub images are kept. A fresh machine is starting.',
  404,
  'session_idle',
);

describe('telling the learner why their machine is gone', () => {
  it('passes on a machine stopped for idleness, once, and nothing for other errors', () => {
    const seen: SessionNotice[] = [];
    const stop = onSessionNotice((notice) => seen.push(notice));
    reportSessionEnded(new ApiError('There is no session "x" (it may have expired).', 404, 'not_found'));
    reportSessionEnded(new ApiError('This token does not open this session.', 403, 'forbidden'));
    reportSessionEnded(new Error('offline'));
    expect(seen).toEqual([]);
    reportSessionEnded(idle);
    expect(seen).toEqual([{ code: 'session_idle', message: idle.message }]);
    // A cluster member that went down took the machine: the learner hears it too.
    reportSessionEnded(new ApiError('The host your machine ran on went down.', 404, 'host_down'));
    expect(seen.map((n) => n.code)).toEqual(['session_idle', 'host_down']);
    seen.pop();
    stop();
    reportSessionEnded(idle);
    expect(seen).toHaveLength(1);
  });

  it('keeps a notice that came before the terminal listened for the first listener only', () => {
    reportSessionEnded(idle);
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = onSessionNotice(({ message }) => first.push(message));
    const stopSecond = onSessionNotice(({ message }) => second.push(message));
    expect(first).toEqual([idle.message]);
    expect(second).toEqual([]);
    stopFirst();
    stopSecond();
  });
  it('passes on a machine removed because its class ended', () => {
    const seen: string[] = [];
    const stop = onSessionNotice(({ code }) => seen.push(code));
    seen.length = 0; // a notice an earlier spec left pending
    reportSessionEnded(new ApiError('The class "Docker 101" has ended, …', 404, 'class_ended'));
    expect(seen).toEqual(['class_ended']);
    stop();
  });
});
