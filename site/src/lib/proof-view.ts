import { ApiError, describeError } from './api.ts';
import type { ClassLessonDetail, Proof, ProofStep } from './class-exercises.ts';

// How a proof reads on the page while it runs and once it is over.

/** A check's before/after result as a mark: ✓, ✗, or – when it did not run. */
export function checkMark(value: boolean | null): string {
  return value === null ? '–' : value ? '✓' : '✗';
}

/** The step's time in words: `1.2 s`, or nothing while it runs (its `ms` is 0 until it ends). */
export function stepTime(step: ProofStep): string {
  return step.state !== 'running' && typeof step.ms === 'number' ? `${(step.ms / 1000).toFixed(1)} s` : '';
}

/** One sentence for the proof's state, for the live region. */
export function proofSentence(proof: Proof): string {
  if (proof.state === 'running') {
    const step = proof.steps.at(-1);
    return `Proving version ${proof.version}${step ? `: ${step.name}…` : '…'}`;
  }
  if (proof.state === 'passed') return `Version ${proof.version} is proven: you may publish it.`;
  return `The proof of version ${proof.version} failed${proof.message ? `: ${proof.message}` : '.'}`;
}

/** Whether the latest version may be published: one of its proofs passed. */
export function publishable(detail: Pick<ClassLessonDetail, 'proofs'> | undefined): boolean {
  return detail?.proofs.some((p) => p.state === 'passed') ?? false;
}

/** Why the server would not start a proof (or publish), as a sentence. */
export function refusal(err: unknown, action: 'prove' | 'publish'): string {
  if (err instanceof ApiError && err.status === 409)
    return action === 'prove'
      ? 'A proof of this lesson is running already: wait for it to end, then prove again.'
      : 'This version has no passing proof yet: prove it, then publish.';
  if (err instanceof ApiError && err.status === 429)
    return 'The server is running as many proofs as it can right now: try again in a minute or two.';
  return describeError(err);
}
