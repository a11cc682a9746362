import crypto from 'node:crypto';
import { PROOF_SCRIPT_TIMEOUT_MS, proveLesson } from '../../../engine/src/index.ts';
import type { LessonProofResult, ProofStep, ProvedCheck } from '../../../engine/src/index.ts';
import type { Db } from '../database.ts';
import { ApiError, TooManyRequests } from '../http/api-error.ts';
import { logger, logReference } from '../logger.ts';
import { MachineError, type ProofMachine } from '../sessions/session-manager.ts';
import type { ClassLessonVersion } from './class-lessons.ts';

export type ProofState = 'running' | 'passed' | 'failed';

/** A proof of one version of a class lesson, as stored. */
export interface ProofRecord {
  id: string;
  classId: string;
  slug: string;
  version: number;
  state: ProofState;
  /** `machine`, the lesson's steps (see `proveLesson`), then `remove machine`. */
  steps: ProofStep[];
  checks: ProvedCheck[];
  /** Why it failed, in a sentence (the first failed step's). */
  message?: string;
  startedAt: number;
  finishedAt: number | null;
}

export interface ProofLimits {
  /** Proofs running at once on the server; past it a new one is a 429. */
  concurrent: number;
  setupTimeoutMs: number;
  solveTimeoutMs: number;
  /** Per check; the check runner's own default when left out. */
  checkTimeoutMs?: number;
}

export const DEFAULT_PROOF_LIMITS: ProofLimits = {
  concurrent: 2,
  setupTimeoutMs: PROOF_SCRIPT_TIMEOUT_MS,
  solveTimeoutMs: PROOF_SCRIPT_TIMEOUT_MS,
};

export interface ProofDeps {
  /** A fresh machine of no session's (`SessionManager.proofMachine`). */
  machine: () => Promise<ProofMachine>;
  /** Values for `{{hub.username}}` and the like in a class's proofs. */
  varsFor?: (classId: string) => Record<string, string>;
  limits?: Partial<ProofLimits>;
  now?: () => number;
}

/** Proofs kept per class lesson (older ones are dropped as new ones start). */
const PROOFS_KEPT = 20;

export const RESTARTED = 'The server restarted while the proof ran: prove it again.';

interface Row {
  id: string;
  class_id: string;
  slug: string;
  version: number;
  state: ProofState;
  steps: string;
  checks: string;
  message: string | null;
  started_at: number;
  finished_at: number | null;
}

const fromRow = (r: Row): ProofRecord => ({
  id: r.id,
  classId: r.class_id,
  slug: r.slug,
  version: r.version,
  state: r.state,
  steps: JSON.parse(r.steps) as ProofStep[],
  checks: JSON.parse(r.checks) as ProvedCheck[],
  ...(r.message === null ? {} : { message: r.message }),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/**
 * Proofs of instructors' class lessons: each in a fresh machine that is removed at its end whatever
 * happens, one at a time per class lesson and a few at a time on the server. Every step is written
 * to SQLite as it goes, so a result outlives a restart, and a proof that a restart cut short reads
 * as failed.
 */
export class ClassLessonProofs {
  private readonly limits: ProofLimits;
  private readonly now: () => number;
  /** Proofs running in this process: what they prove, and when they are over. */
  /** Proofs of this process until their machine is gone; `judged` once their verdict is written. */
  private readonly running = new Map<
    string,
    { classId: string; slug: string; done: Promise<void>; judged?: boolean }
  >();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly deps: ProofDeps,
  ) {
    this.limits = { ...DEFAULT_PROOF_LIMITS, ...deps.limits };
    this.now = deps.now ?? Date.now;
    db.exec(`CREATE TABLE IF NOT EXISTS class_lesson_proofs (
      id TEXT PRIMARY KEY,
      class_id TEXT NOT NULL,
      slug TEXT NOT NULL,
      version INTEGER NOT NULL,
      state TEXT NOT NULL,
      steps TEXT NOT NULL,
      checks TEXT NOT NULL,
      message TEXT,
      started_at INTEGER NOT NULL,
      finished_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS class_lesson_proofs_lesson ON class_lesson_proofs (class_id, slug, started_at)`);
    this.failInterrupted();
  }

  /** Proofs a previous run of the server left running: nothing will finish them (their machines are gone). */
  private failInterrupted(): void {
    const rows = this.db.prepare("SELECT * FROM class_lesson_proofs WHERE state = 'running'").all() as Row[];
    for (const proof of rows.map(fromRow)) {
      for (const step of proof.steps)
        if (step.state === 'running') Object.assign(step, { state: 'failed', message: RESTARTED });
      this.write(proof.id, { ...proof, state: 'failed', message: RESTARTED, finishedAt: this.now() });
    }
    if (rows.length > 0) logger.warn({ proofs: rows.length }, 'proofs cut short by a restart marked failed');
  }

  /**
   * Starts proving a version of a class lesson and answers the proof's id at once. A proof of that
   * class lesson running already is a 409; as many proofs running on the server as it allows, a 429.
   */
  start(target: ClassLessonVersion): string {
    // A proof whose verdict is out (its machine still going) holds a slot of the server, not its lesson.
    for (const [id, r] of this.running)
      if (r.classId === target.classId && r.slug === target.slug && !r.judged)
        throw new ApiError(
          409,
          'conflict',
          `A proof of "${target.slug}" is running already (proof ${id}): wait for its result, then prove again.`,
        );
    if (this.running.size >= this.limits.concurrent)
      throw new TooManyRequests(
        `${this.running.size} proofs are running on this server, as many as it runs at once: prove again in a minute.`,
        30,
      );
    const id = crypto.randomBytes(8).toString('hex');
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO class_lesson_proofs (id, class_id, slug, version, state, steps, checks, started_at)
         VALUES (?, ?, ?, ?, 'running', '[]', ?, ?)`,
      )
      .run(id, target.classId, target.slug, target.version, JSON.stringify(notRun(target)), at);
    this.dropOld(target.classId, target.slug);
    const done = this.run(id, target)
      .catch((err: unknown) => logger.error({ proofId: id, err }, 'a proof failed to run'))
      .finally(() => this.running.delete(id));
    this.running.set(id, { classId: target.classId, slug: target.slug, done });
    logger.info(
      { proofId: id, classId: target.classId, slug: target.slug, version: target.version },
      'proof started',
    );
    return id;
  }

  /** A proof of this class lesson, by its id. */
  get(classId: string, slug: string, id: string): ProofRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM class_lesson_proofs WHERE id = ? AND class_id = ? AND slug = ?')
      .get(id, classId, slug) as Row | undefined;
    return row && fromRow(row);
  }

  /** The proofs of one version, newest first. */
  ofVersion(classId: string, slug: string, version: number): ProofRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM class_lesson_proofs WHERE class_id = ? AND slug = ? AND version = ?
           ORDER BY started_at DESC, rowid DESC`,
        )
        .all(classId, slug, version) as Row[]
    ).map(fromRow);
  }

  /** Whether a proof of this version passed. */
  hasPassed(classId: string, slug: string, version: number): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM class_lesson_proofs WHERE class_id = ? AND slug = ? AND version = ? AND state = 'passed'",
        )
        .get(classId, slug, version) !== undefined
    );
  }

  /** Resolves once the proof (of this process) is over. */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  /** Stops writing: the server is stopping (its proofs read as failed after the restart). */
  stop(): void {
    this.stopped = true;
  }

  private async run(id: string, target: ClassLessonVersion): Promise<void> {
    const clock = this.now();
    const machineStep: ProofStep = { name: 'machine', state: 'running', ms: 0 };
    let removal: ProofStep | undefined;
    let proof: LessonProofResult = { passed: false, steps: [], checks: notRun(target) };
    const failedStep = () => [machineStep, ...proof.steps].find((s) => s.state === 'failed');
    const save = (state: ProofState) =>
      this.write(id, {
        state,
        steps: [machineStep, ...proof.steps, ...(removal ? [removal] : [])],
        checks: proof.checks,
        message: state === 'running' ? undefined : (proof.message ?? failedStep()?.message),
        finishedAt: state === 'running' ? null : this.now(),
      });
    save('running');

    let machine: ProofMachine;
    try {
      machine = await this.deps.machine();
      Object.assign(machineStep, { state: 'passed', ms: this.now() - clock });
    } catch (err) {
      const told = err instanceof ApiError || err instanceof MachineError;
      if (!told) logger.error({ proofId: id, err }, 'the proof got no machine');
      Object.assign(machineStep, {
        state: 'failed',
        ms: this.now() - clock,
        message: told ? err.message : 'The proof got no machine: prove it again in a few minutes.',
      });
      for (const check of proof.checks) check.message = 'Not run: the proof got no machine.';
      save('failed');
      return;
    }

    try {
      proof = await proveLesson(target.lesson, machine.sandbox, {
        setupTimeoutMs: this.limits.setupTimeoutMs,
        solveTimeoutMs: this.limits.solveTimeoutMs,
        checkTimeoutMs: this.limits.checkTimeoutMs,
        vars: this.deps.varsFor?.(target.classId) ?? {},
        now: this.now,
        onProgress: (so) => {
          proof = so;
          save('running');
        },
      });
    } catch (err) {
      // proveLesson does not throw; writing a step might (the server stopping under it).
      logger.error({ proofId: id, err }, 'a proof stopped on an error');
      proof = {
        ...proof,
        passed: false,
        message: `The proof stopped on an error of the server ${logReference(id)}.`,
      };
    } finally {
      // Whatever happened, the machine goes: it may hold a script that never ends. The verdict is
      // known already and is the lesson's, so the instructor reads it now rather than after the
      // removal (seconds on Incus); the last step then says whether the machine is gone.
      const removing = this.now();
      removal = { name: 'remove machine', state: 'running', ms: 0 };
      save(proof.passed ? 'passed' : 'failed');
      const entry = this.running.get(id);
      if (entry) entry.judged = true;
      try {
        await machine.remove();
        Object.assign(removal, { state: 'passed', ms: this.now() - removing });
      } catch {
        Object.assign(removal, {
          state: 'failed',
          ms: this.now() - removing,
          message:
            'The machine could not be removed yet: the server tries again (its slot stays taken meanwhile).',
        });
      }
    }
    save(proof.passed ? 'passed' : 'failed');
    logger.info(
      { proofId: id, slug: target.slug, version: target.version, passed: proof.passed },
      'proof over',
    );
  }

  private write(
    id: string,
    fields: Pick<ProofRecord, 'state' | 'steps' | 'checks' | 'finishedAt'> & { message?: string },
  ): void {
    if (this.stopped) return;
    this.db
      .prepare(
        'UPDATE class_lesson_proofs SET state = ?, steps = ?, checks = ?, message = ?, finished_at = ? WHERE id = ?',
      )
      .run(
        fields.state,
        JSON.stringify(fields.steps),
        JSON.stringify(fields.checks),
        fields.message ?? null,
        fields.finishedAt,
        id,
      );
  }

  /** Keeps the newest `PROOFS_KEPT` proofs of a class lesson. */
  private dropOld(classId: string, slug: string): void {
    this.db
      .prepare(
        `DELETE FROM class_lesson_proofs WHERE class_id = ? AND slug = ? AND state <> 'running' AND id NOT IN
         (SELECT id FROM class_lesson_proofs WHERE class_id = ? AND slug = ? ORDER BY started_at DESC, rowid DESC LIMIT ?)`,
      )
      .run(classId, slug, classId, slug, PROOFS_KEPT);
  }
}

/** Every check of the version, not run yet. */
function notRun(target: ClassLessonVersion): ProvedCheck[] {
  return target.lesson.exercises.flatMap((e) =>
    e.checks.map((c) => ({
      exercise: e.id,
      id: c.id,
      failedBefore: null,
      passedAfter: null,
      message: 'Not run yet.',
    })),
  );
}
