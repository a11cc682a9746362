import type { SessionManager } from '../sessions/session-manager.ts';
import type { Classes } from './classes.ts';

/**
 * How classes share the machines with the public: the slots kept for them (admission's
 * `reserved`), their learners ahead in the line (admission's priority), and warm machines booted for
 * them before their start (the pool's extra). Sets the pool's extra on `sessions`.
 */
export function classCapacity(
  classes: Classes,
  sessions: SessionManager,
): { reservedSlots: () => number; isClassLearner: (learner: string | null) => boolean } {
  const usesMachine = (learner: string) => sessions.liveOf(learner).length > 0;
  sessions.setPoolExtra(() => classes.prewarmWanted(usesMachine));
  return {
    reservedSlots: () => classes.seatsToKeep(usesMachine),
    isClassLearner: (learner) => Boolean(learner && classes.classOf(learner)),
  };
}
