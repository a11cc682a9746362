import type { LessonContent } from '../../../engine/src/index.ts';
import type { Classes } from '../classroom/classes.ts';
import type { ClassLessonVersion, ClassLessons } from './class-lessons.ts';

/**
 * Which class lessons a learner may open: the published version of each lesson of a running class
 * they are in. Nobody else gets one, not even its slug: a learner of another class, or of none, is
 * told there is no such lesson.
 */
export class LearnerClassLessons {
  constructor(
    private readonly classes: Classes,
    private readonly lessons: ClassLessons,
  ) {}

  /** The learner's class lesson of this slug (from the class they joined last, if two have one). */
  lessonFor(learner: string | null | undefined, slug: string): ClassLessonVersion | undefined {
    if (!learner) return undefined;
    for (const classId of this.classes.runningOf(learner)) {
      const found = this.lessons.published(classId, slug);
      if (found) return found;
    }
    return undefined;
  }

  /** Every class lesson the learner may open: their classes' (the class joined last first), each slug once. */
  lessonsFor(learner: string | null | undefined): ClassLessonVersion[] {
    if (!learner) return [];
    const seen = new Set<string>();
    return this.classes
      .runningOf(learner)
      .flatMap((classId) => this.lessons.publishedOf(classId))
      .filter((v) => !seen.has(v.slug) && seen.add(v.slug));
  }

  /** What checks and quizzes read of the learner's class lesson of this slug. */
  contentFor = (learner: string | null | undefined, slug: string): LessonContent | undefined =>
    this.lessonFor(learner, slug)?.lesson;

  /** The class's published lessons, for its roster and results. */
  ofClass = (classId: string): LessonContent[] => this.lessons.publishedOf(classId).map((v) => v.lesson);

  /** The learner's class lessons, for their progress. */
  contentsFor = (learner: string): LessonContent[] => this.lessonsFor(learner).map((v) => v.lesson);
}
