import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PlaceholderValues } from '../../../engine/src/contract.ts';
import type { Course, LessonContent } from '../../../engine/src/index.ts';
import { runLessonSetup } from '../course/course-routes.ts';
import { ApiError, badRequest, forbidden, notFound, refuseUpgrade, unavailable } from '../http/api-error.ts';
import { json, readJson, SEGMENT, type Route } from '../http/http-routing.ts';
import { readCookie } from '../http/learner-cookie.ts';
import { originAllowed, TERMINAL_MAX_PAYLOAD } from '../http/server.ts';
import { logger, logReference } from '../logger.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { MachineError, type SessionManager } from '../sessions/session-manager.ts';
import type { SessionRecord } from '../sessions/session-store.ts';
import type { HelperPresence } from '../terminal/helper-presence.ts';
import { bridgeTerminal } from '../terminal/terminal-session.ts';
import type { Classes, Member } from './classes.ts';
import {
  INSTRUCTOR_COOKIE,
  instructorGuard,
  signInKey,
  type InstructorSessions,
} from './instructor-sessions.ts';
import { learnerHandle } from './roster.ts';

export interface LearnerHelpContext {
  classes: Classes;
  instructorSessions: InstructorSessions;
  course: Course;
  sessions: SessionManager;
  runtime: SandboxRuntime;
  /** Where learners' terminals hear that an instructor types (shared with the learner's socket). */
  helpers: HelperPresence;
  allowedOrigins: string[];
  /** Values substituted in setup scripts, as for the learner's own reset. */
  varsFor?: (sessionId: string) => PlaceholderValues;
  /** A published class lesson, by slug, if this learner may open it (reset works on it too). */
  classLessonFor?: (learner: string | null, slug: string) => LessonContent | undefined;
  terminalPingMs?: number;
}

const LEARNER_TERMINAL = new RegExp(`^/api/classes/${SEGMENT}/learners/${SEGMENT}/terminal$`);

/** What an instructor's terminal is told when the server closes it because the class is over. */
export const CLASS_OVER_CLOSE = "This class has ended: its learners' machines are stopped.";
/** What an instructor's terminal is told when its sign-in ended. */
export const SIGNED_OUT_CLOSE = 'You signed out: sign in again to watch or help.';

/** An instructor's open socket on a learner's terminal, with what it belongs to. */
interface InstructorTerminal {
  ws: WebSocket;
  classId: string;
  /** The instructor's sign-in (`signInKey`). */
  signIn: string;
}

/** A learner of the instructor's class, by the roster's id, with their newest live session. */
export function classLearner(
  ctx: Pick<LearnerHelpContext, 'classes' | 'sessions'>,
  instructor: string,
  classId: string,
  handle: string,
): { member: Member; session: SessionRecord } {
  // Another instructor's class answers 404, as if there were none.
  const found = ctx.classes.owned(classId, instructor);
  const member = ctx.classes.members(found.id).find((m) => learnerHandle(m.learner) === handle);
  if (!member) throw notFound(`There is no learner "${handle}" in this class.`);
  const session = ctx.sessions.liveOf(member.learner)[0];
  if (!session) throw notFound(`${member.name} has no machine running right now.`);
  return { member, session };
}

/**
 * Watch and help: an instructor's WebSocket on a learner's terminal, and per-learner actions
 * (reset a lesson, restart the machine, extend its time). Each checks the instructor's session,
 * their class, and the learner being in it with a live machine.
 */
export function learnerHelpFeature(ctx: LearnerHelpContext): {
  routes: Route[];
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** Closes the instructors' terminals on the class's learners (the class is over). */
  closeClass: (classId: string) => void;
  /** Closes the terminals opened with a sign-in (`signInKey`) that ended. */
  closeSignIn: (signIn: string) => void;
} {
  const instructorOf = instructorGuard(ctx.instructorSessions, ctx.allowedOrigins);
  const wss = new WebSocketServer({ noServer: true, maxPayload: TERMINAL_MAX_PAYLOAD });
  const terminals = new Set<InstructorTerminal>();

  /** Tells each terminal why and closes it; the pty behind it goes with the socket. */
  const closeWhere = (matches: (t: InstructorTerminal) => boolean, message: string) => {
    for (const terminal of [...terminals].filter(matches)) {
      terminals.delete(terminal);
      if (terminal.ws.readyState === terminal.ws.OPEN)
        terminal.ws.send(JSON.stringify({ type: 'error', message }));
      terminal.ws.close(1000, 'closed by the server');
    }
  };

  /** The learner's session for an action that changes something (own origin required). */
  const sessionFor = (req: IncomingMessage, classId: string, handle: string) =>
    classLearner(ctx, instructorOf(req, { changes: true }), classId, handle);

  /** A machine that will not come up is a 503 with the sentence the learner would read. */
  const asUnavailable = (err: unknown): never => {
    if (err instanceof MachineError) throw unavailable(err.message);
    throw err;
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = LEARNER_TERMINAL.exec(url.pathname);
    if (!match) return false;
    const [, classId, handle] = match as unknown as [string, string, string];
    (async () => {
      if (!originAllowed(req.headers.origin, req.headers.host, ctx.allowedOrigins))
        throw forbidden(`Origin ${req.headers.origin} may not open terminals here.`);
      const instructor = instructorOf(req, { changes: false });
      const mode = url.searchParams.get('mode');
      if (mode !== 'watch' && mode !== 'help')
        throw badRequest('Query "mode" must be "watch" or "help".', 'mode');
      const { session } = classLearner(ctx, instructor, classId, handle);
      await ctx.sessions.ensureRunning(session.id).catch(asUnavailable);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const readOnly = mode === 'watch';
        const helper = readOnly ? undefined : ctx.helpers.helper(session.id);
        bridgeTerminal(ws, ctx.runtime.attachCommand(session.id, { guest: true, readOnly }), {
          sessionId: session.id,
          // An instructor typing keeps the machine from going idle; one watching does not.
          onActivity: readOnly ? () => undefined : () => ctx.sessions.touch(session),
          pingIntervalMs: ctx.terminalPingMs,
          readOnly,
          onInput: helper?.typed,
        });
        if (helper) ws.on('close', helper.left);
        const signIn = signInKey(readCookie(req, INSTRUCTOR_COOKIE));
        const terminal: InstructorTerminal = { ws, classId, signIn };
        terminals.add(terminal);
        ws.on('close', () => terminals.delete(terminal));
        logger.info({ sessionId: session.id, classId, mode }, 'instructor attached to a learner terminal');
      });
    })().catch((err: unknown) => {
      if (!(err instanceof ApiError)) logger.error({ classId, err }, 'learner terminal upgrade failed');
      refuseUpgrade(
        socket,
        err instanceof ApiError
          ? err
          : new ApiError(500, 'internal', `The terminal could not be opened ${logReference(classId)}.`),
      );
    });
    return true;
  };

  const learnerAction = (action: string) =>
    new RegExp(`^/api/classes/${SEGMENT}/learners/${SEGMENT}/${action}$`);
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: learnerAction('reset'),
      handler: async (req, res, [classId, handle]) => {
        const { member } = sessionFor(req, classId!, handle!);
        const slug = (await readJson(req)).lesson;
        if (typeof slug !== 'string' || slug === '')
          throw badRequest('Field "lesson" must be the slug of the lesson to set up again.', 'lesson');
        const lesson =
          ctx.course.lessons.find((l) => l.slug === slug) ?? ctx.classLessonFor?.(member.learner, slug);
        if (!lesson) throw notFound(`There is no lesson "${slug.slice(0, 64)}".`);
        // The machine the learner has open on that lesson: sessions are per lesson.
        const session = ctx.sessions.liveOf(member.learner).find((s) => s.lesson === lesson.slug);
        if (!session)
          throw new ApiError(
            409,
            'no_machine',
            `${member.name} has no machine on lesson "${lesson.slug}" right now: they open the lesson first.`,
          );
        await runLessonSetup(ctx, session.id, lesson);
        logger.info({ sessionId: session.id, classId, lesson: lesson.slug }, 'instructor reset a lesson');
        json(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: learnerAction('restart'),
      handler: async (req, res, [classId, handle]) => {
        const { session } = sessionFor(req, classId!, handle!);
        await ctx.sessions.restart(session.id).catch(asUnavailable);
        json(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: learnerAction('extend'),
      handler: async (req, res, [classId, handle]) => {
        const { session } = sessionFor(req, classId!, handle!);
        ctx.sessions.extend(session.id, (await readJson(req)).minutes as number);
        json(res, 204);
      },
    },
  ];
  return {
    routes,
    handleUpgrade,
    closeClass: (classId) => closeWhere((t) => t.classId === classId, CLASS_OVER_CLOSE),
    closeSignIn: (signIn) => closeWhere((t) => t.signIn === signIn, SIGNED_OUT_CLOSE),
  };
}
