import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { refusal } from './classroom-fixtures.ts';
import {
  INSTRUCTOR_SESSION_MS,
  InstructorSessions,
  instructorCookie,
  instructorGuard,
  signInKey,
} from './instructor-sessions.ts';

const request = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;

function setUp() {
  const clock = { now: 1_000_000 };
  const db = openDatabase(':memory:');
  const sessions = new InstructorSessions(db, () => clock.now);
  return { clock, db, sessions, guard: instructorGuard(sessions, []) };
}

describe('instructor sessions', () => {
  it('last 12 hours, end on sign-out, and are stored only as a hash', () => {
    const { clock, db, sessions } = setUp();
    const token = sessions.start('instructor-a');
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(sessions.instructorOf(token)).toBe('instructor-a');
    expect(JSON.stringify(db.prepare('SELECT * FROM instructor_sessions').all())).not.toContain(token);
    clock.now += INSTRUCTOR_SESSION_MS - 1;
    expect(sessions.instructorOf(token)).toBe('instructor-a');
    clock.now += 1;
    expect(sessions.instructorOf(token)).toBeUndefined();

    const second = sessions.start('instructor-a');
    sessions.end(second);
    expect(sessions.instructorOf(second)).toBeUndefined();
    expect(sessions.instructorOf(undefined)).toBeUndefined();
    expect(sessions.instructorOf('not-a-token')).toBeUndefined();
  });

  it('are known by a key that is not the cookie, which holds until sign-out or expiry', () => {
    const { clock, sessions } = setUp();
    const token = sessions.start('instructor-a');
    const key = signInKey(token);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(token);
    expect(sessions.holds(key)).toBe(true);
    clock.now += INSTRUCTOR_SESSION_MS;
    expect(sessions.holds(key)).toBe(false);
    const second = sessions.start('instructor-a');
    sessions.end(second);
    expect(sessions.holds(signInKey(second))).toBe(false);
  });

  it('set an HttpOnly, SameSite=Strict cookie (Secure behind HTTPS), cleared on sign-out', () => {
    expect(instructorCookie(request({}), 'tok')).toBe(
      'dockyard_instructor=tok; Path=/api/; Max-Age=43200; HttpOnly; SameSite=Strict',
    );
    expect(instructorCookie(request({ 'x-forwarded-proto': 'https' }), 'tok')).toMatch(/; Secure$/);
    expect(instructorCookie(request({}), undefined)).toMatch(
      /^dockyard_instructor=; Path=\/api\/; Max-Age=0;/,
    );
  });
});

describe('the instructor guard', () => {
  it("answers the signed-in instructor; no sign-in 401, a learner's cookie 403, an ended one 401", () => {
    const { sessions, guard } = setUp();
    const token = sessions.start('instructor-a');
    expect(guard(request({ cookie: `dockyard_instructor=${token}` }), { changes: false })).toBe(
      'instructor-a',
    );
    expect(refusal(() => guard(request({}), { changes: false })).status).toBe(401);
    const learner = request({ cookie: `dockyard_learner=${'ab'.repeat(16)}` });
    expect(refusal(() => guard(learner, { changes: false })).status).toBe(403);
    sessions.end(token);
    const ended = refusal(() =>
      guard(request({ cookie: `dockyard_instructor=${token}` }), { changes: false }),
    );
    expect([ended.status, ended.message]).toEqual([
      401,
      'Your instructor sign-in has expired or ended: sign in again.',
    ]);
  });

  it("refuses a change sent from another site's page, even with the cookie", () => {
    const { sessions, guard } = setUp();
    const cookie = `dockyard_instructor=${sessions.start('instructor-a')}`;
    const own = request({ cookie, host: 'dockyard.example', origin: 'https://dockyard.example' });
    expect(guard(own, { changes: true })).toBe('instructor-a');
    const foreign = request({ cookie, host: 'dockyard.example', origin: 'https://evil.example' });
    expect(refusal(() => guard(foreign, { changes: true })).status).toBe(403);
    // Reading is not a change (SameSite=Strict keeps the cookie off cross-site requests anyway).
    expect(guard(foreign, { changes: false })).toBe('instructor-a');
    // Clients that are not browsers send no Origin.
    expect(guard(request({ cookie }), { changes: true })).toBe('instructor-a');
  });
});
