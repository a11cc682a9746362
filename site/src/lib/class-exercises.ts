import { ApiError, apiRequest } from './api.ts';

// The class exercises API (docs/api.md, "Class exercises"): an instructor's own lessons for a class,
// saved in versions, proven in a fresh machine, then published to the class's learners.

export type ProofState = 'running' | 'passed' | 'failed';

/** One class lesson in the class's list (`GET /api/classes/{id}/exercises`). */
export interface ClassLessonEntry {
  slug: string;
  title: string;
  /** The latest version. */
  version: number;
  /** The latest proof of the latest version. */
  proof: { proofId: string; state: ProofState } | null;
  /** The version learners see, or null while none is published. */
  published: number | null;
  updatedAt: string | null;
}

/** A class lesson's latest version (`GET /api/classes/{id}/exercises/{slug}`). */
export interface ClassLessonDetail {
  slug: string;
  title: string;
  summary?: string;
  version: number;
  published: number | null;
  page: string;
  exercises: string;
  proofs: {
    proofId: string;
    state: ProofState;
    message?: string;
    startedAt: string | null;
    finishedAt: string | null;
  }[];
  updatedAt: string | null;
}

/** Where a problem is: the input at fault, its 1-based line (null: the input as a whole). */
export interface ContentProblem {
  in: 'slug' | 'page' | 'exercises' | 'import';
  line: number | null;
  field: string;
  message: string;
  /** An import's file in the zip. */
  file?: string;
}

export interface ProofStep {
  name: string;
  state: string;
  ms?: number | null;
  message?: string;
}

export interface ProofCheck {
  exercise: string;
  id: string;
  failedBefore: boolean | null;
  passedAfter: boolean | null;
  message: string;
}

/** A proof as it runs and once it is over (`GET …/proofs/{proofId}`). */
export interface Proof {
  proofId: string;
  version: number;
  state: ProofState;
  steps: ProofStep[];
  passed?: boolean;
  checks: ProofCheck[];
  message?: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A lesson's three inputs, as the editor holds them. */
export interface LessonDraft {
  slug: string;
  page: string;
  exercises: string;
}

/** What the Killercoda importer made and what it could not carry over. */
export interface ImportResult {
  slug: string;
  version: number;
  report: { file: string; line?: number; message: string }[];
}

const base = (classId: string) => `/api/classes/${encodeURIComponent(classId)}`;
const lessonBase = (classId: string, slug: string) =>
  `${base(classId)}/exercises/${encodeURIComponent(slug)}`;

/** The `problems` of a 400 answer, or none (any other error). */
export function problemsOf(err: unknown): ContentProblem[] {
  if (!(err instanceof ApiError)) return [];
  const problems = (err.body as { problems?: unknown } | undefined)?.problems;
  return Array.isArray(problems) ? (problems as ContentProblem[]) : [];
}

export async function listClassLessons(classId: string): Promise<ClassLessonEntry[]> {
  return (await apiRequest<{ exercises: ClassLessonEntry[] }>(`${base(classId)}/exercises`)).exercises;
}

export function getClassLesson(classId: string, slug: string): Promise<ClassLessonDetail> {
  return apiRequest(lessonBase(classId, slug));
}

/** Saves the next version of the slug; a 400 carries every problem (`problemsOf`). */
export function saveClassLesson(
  classId: string,
  draft: LessonDraft,
): Promise<{ slug: string; version: number }> {
  return apiRequest(`${base(classId)}/exercises`, { method: 'POST', body: draft });
}

/** The problems the draft would have on saving; nothing is saved. */
export async function validateClassLesson(
  classId: string,
  draft: Partial<LessonDraft> & Omit<LessonDraft, 'slug'>,
): Promise<ContentProblem[]> {
  const body = draft.slug ? draft : { page: draft.page, exercises: draft.exercises };
  return (
    await apiRequest<{ problems: ContentProblem[] }>(`${base(classId)}/exercises/validate`, {
      method: 'POST',
      body,
    })
  ).problems;
}

export async function proveClassLesson(classId: string, slug: string): Promise<string> {
  return (await apiRequest<{ proofId: string }>(`${lessonBase(classId, slug)}/prove`, { method: 'POST' }))
    .proofId;
}

export function getProof(classId: string, slug: string, proofId: string): Promise<Proof> {
  return apiRequest(`${lessonBase(classId, slug)}/proofs/${encodeURIComponent(proofId)}`);
}

export async function publishClassLesson(classId: string, slug: string): Promise<void> {
  await apiRequest(`${lessonBase(classId, slug)}/publish`, { method: 'POST' });
}

/** Imports a Killercoda scenario zip as a new class lesson (its first version). */
export function importKillercoda(classId: string, zip: Blob): Promise<ImportResult> {
  return apiRequest(`${base(classId)}/imports/killercoda`, {
    method: 'POST',
    file: { data: zip, type: 'application/zip' },
  });
}
