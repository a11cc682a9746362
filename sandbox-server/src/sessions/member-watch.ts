// On an Incus cluster, a member that goes down takes its machines with it. Their learners are
// told so on their next call, and start a new machine, which lands on a member that is up; their
// progress (the server's) and their hub repositories (the hub's) never lived on the member.
import { logger } from '../logger.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { EndNotice, SessionManager } from './session-manager.ts';

export const HOST_DOWN: EndNotice = {
  code: 'host_down',
  message:
    'The host your machine ran on went down, and the machine with it. Your progress and your hub repositories are kept. A fresh machine is starting on another host.',
};

/**
 * Every `everyMs`, ends the sessions whose machine is on a member that is down. A machine on a
 * down member that is nobody's (its session ended while the server was stopped, which drops the
 * row of a machine it cannot see) is removed once its member is back and shows it is this
 * server's (`list`). Returns a stop.
 */
export function watchMembers(runtime: SandboxRuntime, sessions: SessionManager, everyMs: number): () => void {
  if (!runtime.stranded) return () => undefined;
  const ending = new Set<string>();
  /** Machines seen on a down member that belong to no session: removed once their member is back. */
  const unowned = new Set<string>();
  let busy = false;
  const removeUnownedBack = async (stranded: string[]) => {
    if (unowned.size === 0) return;
    const listed = new Set((await runtime.list()).map((s) => s.sessionId));
    for (const id of [...unowned]) {
      if (stranded.includes(id)) continue;
      // Its member answers again: ours (listed), and still nobody's, it goes; else it is not ours.
      unowned.delete(id);
      if (!listed.has(id) || sessions.owns(id)) continue;
      logger.warn({ sessionId: id }, 'removing a machine left on a cluster member that was down');
      await runtime.remove(id).catch((err: unknown) => {
        unowned.add(id);
        logger.warn({ sessionId: id, err }, 'a machine left on a member could not be removed yet');
      });
    }
  };
  const sweep = async () => {
    if (busy) return;
    busy = true;
    try {
      const stranded = await runtime.stranded!();
      for (const id of stranded) {
        const record = sessions.record(id);
        if (!record && !sessions.owns(id)) unowned.add(id);
        if (!record || record.state === 'stopping' || ending.has(id)) continue;
        ending.add(id);
        logger.warn({ sessionId: id }, "the machine's cluster member is down; ending its session");
        // Removal waits for the member: the session is over for its learner at once, and the
        // reaper removes the machine once the member answers again.
        sessions
          .endStranded(id, HOST_DOWN)
          .catch((err: unknown) =>
            logger.warn({ sessionId: id, err }, 'the machine could not be removed yet'),
          )
          .finally(() => ending.delete(id));
      }
      await removeUnownedBack(stranded);
    } catch (err) {
      logger.error({ err }, 'the cluster members could not be read');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sweep(), everyMs);
  return () => clearInterval(timer);
}
