import { logger } from '../logger.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { Classes } from './classes.ts';

/** What a learner whose machine ended with their class is told when they come back to it. */
export function classEndedNotice(className: string): string {
  return (
    `The class "${className}" has ended, so the machine it gave you was removed. Your progress and ` +
    'your hub images are kept. A fresh machine of your own is starting.'
  );
}

export interface ClassClosingDeps {
  classes: Classes;
  sessions: Pick<SessionManager, 'liveOf' | 'destroy'>;
  /** Told once per class when it closes: its roster streams and instructors' terminals end. */
  onClosed?: (classId: string) => void;
}

/**
 * Closing a class that is over (its instructor ended it, or its end time passed): the machines of
 * its learners end, so they free their slots for others; their results, progress and the roster
 * stay. Only the class's own learners are touched, and not one who is in another running class.
 * Each class closes once (`Classes.markClosed`): a machine a learner starts afterwards is theirs.
 */
export class ClassClosing {
  constructor(private readonly deps: ClassClosingDeps) {}

  /**
   * Closes every class that is over and not closed yet (with `classId`, that one only). The
   * machines are `stopping` when this returns (their tokens no longer open them); the promise
   * settles once they are removed. Answers the ids of the sessions ended.
   */
  close(classId?: string): { sessions: string[]; removed: Promise<void> } {
    const { classes, sessions } = this.deps;
    const ended: string[] = [];
    const removals: Promise<void>[] = [];
    for (const found of classes.overNotClosed(classId)) {
      const before = ended.length;
      for (const member of classes.members(found.id)) {
        // A learner who went on to another class keeps the machine they use there.
        if (classes.classOf(member.learner)) continue;
        for (const session of sessions.liveOf(member.learner)) {
          ended.push(session.id);
          // destroy marks the session stopping at once; removing the machine takes a moment.
          removals.push(
            sessions
              .destroy(session.id, {
                code: 'class_ended',
                message: classEndedNotice(found.name),
              })
              .catch((err: unknown) =>
                logger.error(
                  { sessionId: session.id, classId: found.id, err },
                  'a class machine was not removed',
                ),
              ),
          );
        }
      }
      classes.markClosed(found.id);
      logger.info(
        { classId: found.id, machines: ended.length - before },
        'class over: its machines are ending',
      );
      this.deps.onClosed?.(found.id);
    }
    return { sessions: ended, removed: Promise.all(removals).then(() => undefined) };
  }
}
