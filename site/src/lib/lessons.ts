import { getCollection, type CollectionEntry } from 'astro:content';
import { parse } from 'yaml';
import { exercisesFileSchema, type LessonFrontmatter } from '../../../engine/src/lesson-schema.ts';
import { publicQuiz, type PublicQuiz } from '../../../engine/src/quiz-grading.ts';

/** What a page may know about an exercise: never its checks or solve script. */
export interface ExerciseSummary {
  id: string;
  title: string;
}

/** What the MDX author components need to know about the lesson they render in. */
export interface LessonContext {
  slug: string;
  exercises: ExerciseSummary[];
  /** Questions and options only: answers and explanations stay on the server. */
  quizzes: PublicQuiz[];
}

export interface Lesson extends LessonFrontmatter {
  /** The folder name, e.g. `01-first-container`. */
  folder: string;
  /** The numeric folder prefix, used for ordering. */
  order: number;
  /** The folder name without its prefix, e.g. `first-container`; the page URL. */
  slug: string;
  exercises: ExerciseSummary[];
  quizzes: PublicQuiz[];
  /** True when the lesson or one of its exercises has a setup script ("Reset this lesson" re-runs it). */
  hasSetup: boolean;
  entry: CollectionEntry<'lessons'>;
}

// Raw text of every lessons/<folder>/exercises.yaml, resolved at build time relative to this file.
const exerciseFiles = import.meta.glob<string>('../../../lessons/*/exercises.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
});

const folderPattern = /^(\d+)-(.+)$/;

/** Every lesson, ordered by its folder prefix. */
export async function getLessons(): Promise<Lesson[]> {
  const entries: CollectionEntry<'lessons'>[] = await getCollection('lessons');
  const lessons = entries.map((entry): Lesson => {
    const folder: string = entry.id;
    const match = folderPattern.exec(folder);
    if (!match?.[1] || !match[2]) {
      throw new Error(`Lesson folder "${folder}" must be named <NN>-<slug>, e.g. 01-first-container.`);
    }
    const data = entry.data as LessonFrontmatter;
    return {
      ...data,
      folder,
      order: Number(match[1]),
      slug: match[2],
      ...readLessonContents(folder),
      entry,
    };
  });
  return lessons.sort((a, b) => a.order - b.order || a.folder.localeCompare(b.folder));
}

/** Progress items of a lesson: its exercise and quiz ids, as `GET /api/progress` lists them. */
export function progressItems(lesson: Pick<Lesson, 'exercises' | 'quizzes'>): string[] {
  return [...lesson.exercises.map((e) => e.id), ...lesson.quizzes.map((q) => q.id)];
}

function readLessonContents(folder: string): Pick<Lesson, 'exercises' | 'quizzes' | 'hasSetup'> {
  const path = `../../../lessons/${folder}/exercises.yaml`;
  const text = exerciseFiles[path];
  if (text === undefined) return { exercises: [], quizzes: [], hasSetup: false };
  const result = exercisesFileSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${issue.path.map(String).join('.')}: ${issue.message}`,
    );
    throw new Error(`lessons/${folder}/exercises.yaml is invalid:\n${problems.join('\n')}`);
  }
  const { setup, exercises, quizzes } = result.data;
  return {
    exercises: exercises.map(({ id, title }) => ({ id, title })),
    quizzes: quizzes.map(publicQuiz),
    hasSetup: setup !== undefined || exercises.some((e) => e.setup !== undefined),
  };
}
