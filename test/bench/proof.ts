// The proof of an instructor's class exercise, from a warm pool: a real server and real machines.
// One exercise with three checks (a file, a command, an image) is proven `ROUNDS` times, each time
// once the pool has a warm machine again, and the whole proof (POST prove → the verdict, polled
// every 100 ms) and each of its steps are timed. `npm run bench:proof`; `npm run bench` too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newInstructor, classWithLearner } from '../helpers/instructors.ts';
import { Platform } from '../helpers/platform.ts';

const ROUNDS = 3;
const ADMIN = 'bench-admin-token-0123456789';

const PAGE = `# Three checks\n\nA file, a command and an image.\n\n::exercise{id=three-checks}\n`;
const EXERCISES = `exercises:
  - id: three-checks
    title: Write a file, tag an image, and show it
    solve: |
      echo ready > ~/ready.txt
      printf 'FROM scratch\\nLABEL made=bench\\n' | docker build -q -t bench-hello -
    checks:
      - id: file
        kind: file
        path: ~/ready.txt
        content: ready
        title: ~/ready.txt says ready
        message: ~/ready.txt is missing.
        hint: Write it.
      - id: command
        kind: command
        run: grep -q ready ~/ready.txt
        title: grep finds it
        message: grep does not find ready.
        hint: Write it.
      - id: image
        kind: image
        ref: bench-hello
        title: the image bench-hello exists
        message: There is no image bench-hello.
        hint: Tag one.
`;

interface ProofAnswer {
  state: string;
  passed?: boolean;
  message?: string;
  steps: { name: string; ms: number | null }[];
}

export interface ProofFigures {
  totals: number[];
  steps: Record<string, number[]>;
}

export async function proofFigures(): Promise<ProofFigures> {
  const platform = new Platform({
    DOCKYARD_LOG_LEVEL: 'warn',
    DOCKYARD_POOL_SIZE: '1',
    DOCKYARD_INSTRUCTOR_TOKEN: ADMIN,
  });
  await platform.start();
  const figures: ProofFigures = { totals: [], steps: {} };
  try {
    const teacher = await newInstructor(platform, ADMIN, 'bench-teacher');
    const { classId } = await classWithLearner(platform, teacher, 'Bench class', 'Ada');
    const base = `/api/classes/${classId}/exercises`;
    const saved = await platform.api(
      'POST',
      base,
      { slug: 'three-checks', page: PAGE, exercises: EXERCISES },
      undefined,
      teacher,
    );
    if (saved.status !== 201) throw new Error(`not saved: ${JSON.stringify(saved.body)}`);
    for (let round = 0; round < ROUNDS; round++) {
      for (let wait = 0; (await platform.api('GET', '/api/health')).body.pool.ready < 1; wait++) {
        if (wait > 600) throw new Error('the warm pool did not fill');
        await new Promise((r) => setTimeout(r, 200));
      }
      const start = performance.now();
      const started = await platform.api('POST', `${base}/three-checks/prove`, undefined, undefined, teacher);
      if (started.status !== 202) throw new Error(`not proving: ${JSON.stringify(started.body)}`);
      let proof: ProofAnswer;
      for (;;) {
        proof = (
          await platform.api(
            'GET',
            `${base}/three-checks/proofs/${started.body.proofId}`,
            undefined,
            undefined,
            teacher,
          )
        ).body as ProofAnswer;
        if (proof.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!proof.passed) throw new Error(`the proof failed: ${proof.message}`);
      figures.totals.push(performance.now() - start);
      for (const step of proof.steps) (figures.steps[step.name] ??= []).push(step.ms ?? 0);
    }
  } finally {
    await platform.stop();
  }
  return figures;
}

export function formatProofFigures(f: ProofFigures): string {
  const list = (values: number[]) => values.map((v) => `${(v / 1000).toFixed(2)} s`).join(', ');
  return [
    `  proof of a 3-check class exercise from a warm pool (POST prove → verdict): ${list(f.totals)}`,
    ...Object.entries(f.steps).map(([name, values]) => `    ${name}: ${list(values)}`),
  ].join('\n');
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  proofFigures().then(
    (figures) => console.log(formatProofFigures(figures)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
