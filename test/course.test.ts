import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../engine/src/index.ts';
import { CourseProver, formatProof } from '../lessons/course-proof.ts';
import { repoRoot } from './helpers/platform.ts';

// The content proof (DESIGN.md, "Exercises"): in a fresh sandbox every check of every exercise
// fails, and after the solve script every check passes. DOCKYARD_PROOF_REPEAT runs it N times.
const course = await loadCourse(path.join(repoRoot, 'lessons'));
const repeat = Math.max(1, Number(process.env.DOCKYARD_PROOF_REPEAT ?? '1') || 1);
const prover = new CourseProver();

beforeAll(() => prover.start(), 120_000);
afterAll(() => prover.stop());

for (const lesson of course.lessons) {
  describe(`lesson ${lesson.order}: ${lesson.slug}`, () => {
    for (const exercise of lesson.exercises) {
      for (let round = 1; round <= repeat; round++) {
        const name = repeat > 1 ? `${exercise.id} (round ${round})` : exercise.id;
        it(`${name}: fails fresh, passes after solve`, { timeout: 15 * 60_000 }, async (ctx) => {
          const proof = await prover.prove(lesson, exercise);
          console.log(formatProof(proof));
          // Only a missing lab dependency (hub, library image) skips, and it says which.
          if (proof.status === 'skipped') ctx.skip(proof.problems.join('; '));
          expect(proof.problems).toEqual([]);
          expect(proof.status).toBe('proved');
        });
      }
    }
  });
}
