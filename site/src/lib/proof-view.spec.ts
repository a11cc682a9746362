import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import type { Proof } from './class-exercises.ts';
import { checkMark, proofSentence, publishable, refusal, stepTime } from './proof-view.ts';

const proof = (over: Partial<Proof>): Proof => ({
  proofId: 'p',
  version: 3,
  state: 'running',
  steps: [],
  checks: [],
  startedAt: null,
  finishedAt: null,
  ...over,
});

describe('proof view', () => {
  it('marks a check ✓, ✗, or – when it did not run', () => {
    expect([true, false, null].map(checkMark)).toEqual(['✓', '✗', '–']);
  });

  it('times a step once it ended', () => {
    expect(stepTime({ name: 'machine', state: 'passed', ms: 1234 })).toBe('1.2 s');
    expect(stepTime({ name: 'machine', state: 'running', ms: 0 })).toBe('');
  });

  it('says where a proof is', () => {
    expect(proofSentence(proof({ steps: [{ name: 'machine', state: 'running' }] }))).toBe(
      'Proving version 3: machine…',
    );
    expect(proofSentence(proof({ state: 'passed' }))).toMatch(/^Version 3 is proven/);
    expect(proofSentence(proof({ state: 'failed', message: 'No machine.' }))).toBe(
      'The proof of version 3 failed: No machine.',
    );
  });

  it('allows publishing once a proof of the latest version passed', () => {
    const of = (...states: Proof['state'][]) => ({
      proofs: states.map((state) => ({ proofId: 'p', state, startedAt: null, finishedAt: null })),
    });
    expect(publishable(undefined)).toBe(false);
    expect(publishable(of())).toBe(false);
    expect(publishable(of('failed', 'running'))).toBe(false);
    expect(publishable(of('failed', 'passed'))).toBe(true);
  });

  it('words a busy server and a refused publish as sentences', () => {
    expect(refusal(new ApiError('x', 409, 'conflict'), 'prove')).toMatch(/running already/);
    expect(refusal(new ApiError('x', 409, 'not_proven'), 'publish')).toMatch(/no passing proof/);
    expect(refusal(new ApiError('x', 429), 'prove')).toMatch(/try again in a minute/);
    expect(refusal(new ApiError('Gone.', 404), 'prove')).toBe('Gone.');
  });
});
