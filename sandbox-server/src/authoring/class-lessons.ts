import type { LessonContent } from '../../../engine/src/index.ts';
import { hasColumn, type Db } from '../database.ts';
import { ApiError } from '../http/api-error.ts';
import { logger } from '../logger.ts';
import { parseExercisesYaml, type ClassLessonInput, type ContentProblem } from './class-lesson-input.ts';

/** A class holds at most this many class lessons. */
export const MAX_CLASS_LESSONS = 50;
/** Parsed versions kept in memory (versions never change, so they are parsed once). */
const PARSED_KEPT = 500;

/** One version of a class lesson, as stored, with its parsed content. */
export interface ClassLessonVersion {
  classId: string;
  slug: string;
  version: number;
  title: string;
  summary?: string;
  /** The Markdown page. */
  page: string;
  /** The exercises YAML, as the instructor wrote it. */
  exercisesYaml: string;
  /** The page as sanitized HTML; absent for a version saved before pages were rendered on save. */
  html?: string;
  createdAt: number;
  /** What checks, quizzes and setup read. */
  lesson: LessonContent;
}

/** A class lesson in its class's list: its latest version and the one learners see. */
export interface ClassLessonEntry {
  slug: string;
  title: string;
  /** The latest version's number. */
  version: number;
  /** The version learners see; null until one is published. */
  published: number | null;
  createdAt: number;
  updatedAt: number;
}

interface VersionRow {
  class_id: string;
  slug: string;
  version: number;
  title: string;
  summary: string | null;
  page: string;
  exercises: string;
  html: string | null;
  created_at: number;
}

/**
 * Class lessons an instructor wrote, per class, in versions: saving a slug again makes a new version
 * (the latest), and publishing pins one for the class's learners, who keep it while newer ones are
 * written and proven. Versions neither latest nor published are dropped as new ones come.
 */
export class ClassLessons {
  private readonly parsed = new Map<string, LessonContent | null>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS class_lessons (
      class_id TEXT NOT NULL,
      slug TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      published_version INTEGER,
      PRIMARY KEY (class_id, slug)
    );
    CREATE TABLE IF NOT EXISTS class_lesson_versions (
      class_id TEXT NOT NULL,
      slug TEXT NOT NULL,
      version INTEGER NOT NULL,
      title TEXT NOT NULL,
      summary TEXT,
      page TEXT NOT NULL,
      exercises TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (class_id, slug, version)
    )`);
    // Files written before pages were rendered on save lack the column: their versions get their
    // HTML when a learner first asks for it (see `setHtml`).
    if (!hasColumn(db, 'class_lesson_versions', 'html'))
      db.exec('ALTER TABLE class_lesson_versions ADD COLUMN html TEXT');
  }

  /**
   * Saves a class lesson: its first version, or the next one of that slug. One transaction: the
   * lesson, its version and the dropping of versions no longer needed are saved together or not at
   * all. A class that holds `MAX_CLASS_LESSONS` already refuses a new slug (409).
   */
  save(classId: string, input: ClassLessonInput): { slug: string; version: number } {
    const at = this.now();
    return this.db.transaction(() => {
      const exists = this.db
        .prepare('SELECT 1 FROM class_lessons WHERE class_id = ? AND slug = ?')
        .get(classId, input.slug);
      if (!exists) {
        const held = this.db
          .prepare('SELECT COUNT(*) AS n FROM class_lessons WHERE class_id = ?')
          .get(classId) as {
          n: number;
        };
        if (held.n >= MAX_CLASS_LESSONS)
          throw new ApiError(
            409,
            'too_many',
            `A class holds at most ${MAX_CLASS_LESSONS} class lessons: save this one under the slug of one it has.`,
          );
        this.db
          .prepare('INSERT INTO class_lessons (class_id, slug, created_at) VALUES (?, ?, ?)')
          .run(classId, input.slug, at);
      }
      const version = this.latestVersion(classId, input.slug) + 1;
      this.db
        .prepare(
          `INSERT INTO class_lesson_versions (class_id, slug, version, title, summary, page, exercises, html, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          classId,
          input.slug,
          version,
          input.title,
          input.summary ?? null,
          input.page,
          input.exercisesYaml,
          input.html ?? null,
          at,
        );
      // Only the latest and the published version are ever read again.
      this.db
        .prepare(
          `DELETE FROM class_lesson_versions WHERE class_id = ? AND slug = ? AND version <> ?
           AND version IS NOT (SELECT published_version FROM class_lessons WHERE class_id = ? AND slug = ?)`,
        )
        .run(classId, input.slug, version, classId, input.slug);
      this.parsed.set(key(classId, input.slug, version), lessonOf(input.slug, input.title, input.content));
      return { slug: input.slug, version };
    })();
  }

  /** The class's lessons, in the order they were first saved. */
  list(classId: string): ClassLessonEntry[] {
    const rows = this.db
      .prepare(
        `SELECT l.slug, l.created_at, l.published_version, v.version, v.title, v.created_at AS updated_at
         FROM class_lessons l JOIN class_lesson_versions v ON v.class_id = l.class_id AND v.slug = l.slug
         WHERE l.class_id = ? AND v.version = (SELECT MAX(version) FROM class_lesson_versions
           WHERE class_id = l.class_id AND slug = l.slug)
         ORDER BY l.created_at, l.slug`,
      )
      .all(classId) as {
      slug: string;
      created_at: number;
      published_version: number | null;
      version: number;
      title: string;
      updated_at: number;
    }[];
    return rows.map((r) => ({
      slug: r.slug,
      title: r.title,
      version: r.version,
      published: r.published_version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  /** The latest version of a class lesson, if the class has it. */
  latest(classId: string, slug: string): ClassLessonVersion | undefined {
    const version = this.latestVersion(classId, slug);
    return version === 0 ? undefined : this.version(classId, slug, version);
  }

  /** The version learners see, if one is published. */
  published(classId: string, slug: string): ClassLessonVersion | undefined {
    const row = this.db
      .prepare('SELECT published_version FROM class_lessons WHERE class_id = ? AND slug = ?')
      .get(classId, slug) as { published_version: number | null } | undefined;
    return row?.published_version ? this.version(classId, slug, row.published_version) : undefined;
  }

  /** The published version of each of the class's lessons, in the order they were first saved. */
  publishedOf(classId: string): ClassLessonVersion[] {
    const rows = this.db
      .prepare(
        `SELECT slug, published_version FROM class_lessons
         WHERE class_id = ? AND published_version IS NOT NULL ORDER BY created_at, slug`,
      )
      .all(classId) as { slug: string; published_version: number }[];
    return rows.flatMap((r) => this.version(classId, r.slug, r.published_version) ?? []);
  }

  /** Pins a version for the class's learners (the caller checked that it is proven). */
  publish(classId: string, slug: string, version: number): void {
    this.db
      .prepare('UPDATE class_lessons SET published_version = ? WHERE class_id = ? AND slug = ?')
      .run(version, classId, slug);
    logger.info({ classId, slug, version }, 'class lesson published');
  }

  /** Keeps the HTML of a version that was saved without it. */
  setHtml(classId: string, slug: string, version: number, html: string): void {
    this.db
      .prepare('UPDATE class_lesson_versions SET html = ? WHERE class_id = ? AND slug = ? AND version = ?')
      .run(html, classId, slug, version);
  }

  /** One version, if it is kept; undefined too when its YAML no longer passes the schema (logged). */
  version(classId: string, slug: string, version: number): ClassLessonVersion | undefined {
    const row = this.db
      .prepare('SELECT * FROM class_lesson_versions WHERE class_id = ? AND slug = ? AND version = ?')
      .get(classId, slug, version) as VersionRow | undefined;
    if (!row) return undefined;
    const lesson = this.parse(row);
    if (!lesson) return undefined;
    return {
      classId: row.class_id,
      slug: row.slug,
      version: row.version,
      title: row.title,
      ...(row.summary === null ? {} : { summary: row.summary }),
      page: row.page,
      exercisesYaml: row.exercises,
      ...(row.html === null ? {} : { html: row.html }),
      createdAt: row.created_at,
      lesson,
    };
  }

  private latestVersion(classId: string, slug: string): number {
    const row = this.db
      .prepare('SELECT MAX(version) AS v FROM class_lesson_versions WHERE class_id = ? AND slug = ?')
      .get(classId, slug) as { v: number | null };
    return row.v ?? 0;
  }

  /** A stored version's content, parsed once. */
  private parse(row: VersionRow): LessonContent | null {
    const k = key(row.class_id, row.slug, row.version);
    const known = this.parsed.get(k);
    if (known !== undefined) return known;
    const problems: ContentProblem[] = [];
    const content = parseExercisesYaml(row.exercises, problems);
    // The course's schema may have changed since it was saved: it is kept, but not served.
    if (!content)
      logger.error(
        { classId: row.class_id, slug: row.slug, version: row.version, problems },
        'a stored class lesson no longer validates',
      );
    const lesson = content ? lessonOf(row.slug, row.title, content) : null;
    if (this.parsed.size >= PARSED_KEPT) this.parsed.clear();
    this.parsed.set(k, lesson);
    return lesson;
  }
}

const key = (classId: string, slug: string, version: number) => `${classId}/${slug}/${version}`;

function lessonOf(slug: string, title: string, content: ClassLessonInput['content']): LessonContent {
  return {
    slug,
    title,
    exercises: content.exercises,
    quizzes: content.quizzes,
    ...(content.setup === undefined ? {} : { setup: content.setup }),
  };
}
