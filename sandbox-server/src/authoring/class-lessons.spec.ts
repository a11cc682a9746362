import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classes } from '../classroom/classes.ts';
import { openDatabase } from '../database.ts';
import { lessonInput } from './authoring-fixtures.ts';
import { ClassLessons, MAX_CLASS_LESSONS } from './class-lessons.ts';
import { LearnerClassLessons } from './learner-class-lessons.ts';

const LEARNER = (n: number) => n.toString(16).padStart(32, '0');

function setUp() {
  const db = openDatabase(':memory:');
  const clock = { now: 1_000_000 };
  const classes = new Classes(db, () => clock.now);
  const lessons = new ClassLessons(db, () => clock.now);
  const learners = new LearnerClassLessons(classes, lessons);
  const input = {
    name: 'Docker 101',
    lessons: null,
    capacity: 30,
    startsAt: null,
    endsAt: null,
    prewarm: 0,
    stuckMinutes: 10,
  };
  const morning = classes.create('ada', input);
  const evening = classes.create('grace', input);
  classes.join(morning.code, LEARNER(1), 'Linus');
  classes.join(evening.code, LEARNER(2), 'Ken');
  return { db, clock, classes, lessons, learners, morning, evening };
}

describe('class lessons in versions', () => {
  it('saves a slug again as the next version, with its title from the page', () => {
    const { lessons, morning, clock } = setUp();
    expect(lessons.save(morning.id, lessonInput())).toEqual({ slug: 'make-a-file', version: 1 });
    clock.now += 1000;
    expect(lessons.save(morning.id, lessonInput('make-a-file', { file: 'other' }))).toEqual({
      slug: 'make-a-file',
      version: 2,
    });
    expect(lessons.save(morning.id, lessonInput('second'))).toEqual({ slug: 'second', version: 1 });
    expect(lessons.list(morning.id)).toEqual([
      {
        slug: 'make-a-file',
        title: 'Make a file',
        version: 2,
        published: null,
        createdAt: 1_000_000,
        updatedAt: 1_001_000,
      },
      {
        slug: 'second',
        title: 'Make a file',
        version: 1,
        published: null,
        createdAt: 1_001_000,
        updatedAt: 1_001_000,
      },
    ]);
    const latest = lessons.latest(morning.id, 'make-a-file')!;
    expect(latest).toMatchObject({ version: 2, summary: 'A file of your own.' });
    expect(latest.exercisesYaml).toContain('/tmp/other');
    expect(latest.lesson.exercises[0]?.checks[0]).toMatchObject({ run: 'test -f /tmp/other' });
  });

  it("keeps each class's lessons apart: the same slug in two classes is two lessons", () => {
    const { lessons, morning, evening } = setUp();
    lessons.save(morning.id, lessonInput());
    lessons.save(morning.id, lessonInput());
    expect(lessons.save(evening.id, lessonInput())).toEqual({ slug: 'make-a-file', version: 1 });
    expect(lessons.list(evening.id).map((l) => l.version)).toEqual([1]);
  });

  it('pins the published version for learners while newer ones are written, and drops the versions nobody reads', () => {
    const { lessons, learners, morning, db } = setUp();
    lessons.save(morning.id, lessonInput());
    lessons.publish(morning.id, 'make-a-file', 1);
    lessons.save(morning.id, lessonInput('make-a-file', { file: 'two' }));
    lessons.save(morning.id, lessonInput('make-a-file', { file: 'three' }));
    expect(learners.lessonFor(LEARNER(1), 'make-a-file')?.version).toBe(1);
    expect(lessons.list(morning.id)[0]).toMatchObject({ version: 3, published: 1 });
    // Version 2 was neither the latest nor published: gone.
    const kept = db.prepare('SELECT version FROM class_lesson_versions ORDER BY version').all();
    expect(kept).toEqual([{ version: 1 }, { version: 3 }]);
    lessons.publish(morning.id, 'make-a-file', 3);
    expect(learners.lessonFor(LEARNER(1), 'make-a-file')?.lesson.exercises[0]?.checks[0]).toMatchObject({
      run: 'test -f /tmp/three',
    });
  });

  it('refuses a new slug past the limit of a class, and saves nothing of it', () => {
    const { lessons, morning, db } = setUp();
    for (let i = 0; i < MAX_CLASS_LESSONS; i++) lessons.save(morning.id, lessonInput(`lesson-${i}`));
    expect(() => lessons.save(morning.id, lessonInput('one-more'))).toThrow(
      expect.objectContaining({ status: 409, code: 'too_many' }),
    );
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM class_lesson_versions WHERE slug = 'one-more'").get(),
    ).toEqual({ n: 0 });
    // A new version of one it has is fine.
    expect(lessons.save(morning.id, lessonInput('lesson-0')).version).toBe(2);
  });

  it('saves a version whole or not at all', () => {
    const { lessons, morning, db } = setUp();
    lessons.save(morning.id, lessonInput());
    // The version's insert fails after the lesson row would be written: nothing of it stays.
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON class_lesson_versions WHEN NEW.slug = 'broken'
      BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    expect(() => lessons.save(morning.id, lessonInput('broken'))).toThrow('disk full');
    expect(db.prepare("SELECT COUNT(*) AS n FROM class_lessons WHERE slug = 'broken'").get()).toEqual({
      n: 0,
    });
    expect(lessons.list(morning.id).map((l) => l.slug)).toEqual(['make-a-file']);
  });
});

describe('what learners may open', () => {
  it("is the published lessons of their running classes, and nobody else's", () => {
    const { lessons, learners, classes, morning, evening } = setUp();
    lessons.save(morning.id, lessonInput());
    lessons.save(morning.id, lessonInput('draft'));
    // Not published yet: nobody sees it.
    expect(learners.lessonFor(LEARNER(1), 'make-a-file')).toBeUndefined();
    lessons.publish(morning.id, 'make-a-file', 1);
    expect(learners.lessonsFor(LEARNER(1)).map((v) => v.slug)).toEqual(['make-a-file']);
    expect(learners.contentFor(LEARNER(1), 'make-a-file')?.title).toBe('Make a file');
    // A learner of another class, of none, or no learner at all.
    expect(learners.lessonFor(LEARNER(2), 'make-a-file')).toBeUndefined();
    expect(learners.lessonFor(LEARNER(3), 'make-a-file')).toBeUndefined();
    expect(learners.lessonFor(undefined, 'make-a-file')).toBeUndefined();
    expect(learners.lessonsFor(LEARNER(2))).toEqual([]);
    expect(learners.ofClass(morning.id).map((l) => l.slug)).toEqual(['make-a-file']);
    expect(learners.ofClass(evening.id)).toEqual([]);
    // Once the class ends, its lessons close with it.
    classes.end(morning.id, 'ada');
    expect(learners.lessonFor(LEARNER(1), 'make-a-file')).toBeUndefined();
  });
});

describe("a version's HTML", () => {
  it('is stored with the version it was saved with', () => {
    const { lessons, morning } = setUp();
    lessons.save(morning.id, { ...lessonInput(), html: '<h1>Make a file</h1>' });
    expect(lessons.latest(morning.id, 'make-a-file')?.html).toBe('<h1>Make a file</h1>');
  });

  it('is added as a column to a database file written before it, whose versions get theirs later', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'dockyard-')), 'old.sqlite');
    const old = openDatabase(file);
    // The table as the previous server wrote it.
    old.exec(`CREATE TABLE class_lesson_versions (class_id TEXT NOT NULL, slug TEXT NOT NULL,
      version INTEGER NOT NULL, title TEXT NOT NULL, summary TEXT, page TEXT NOT NULL,
      exercises TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (class_id, slug, version))`);
    const { page, exercisesYaml } = lessonInput();
    old
      .prepare('INSERT INTO class_lesson_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run('c1', 'make-a-file', 1, 'Make a file', null, page, exercisesYaml, 1);
    old.close();

    const db = openDatabase(file);
    const lessons = new ClassLessons(db);
    expect(lessons.version('c1', 'make-a-file', 1)).toMatchObject({ page, exercisesYaml });
    expect(lessons.version('c1', 'make-a-file', 1)?.html).toBeUndefined();
    lessons.setHtml('c1', 'make-a-file', 1, '<p>kept</p>');
    expect(lessons.version('c1', 'make-a-file', 1)?.html).toBe('<p>kept</p>');
    // Opening it again finds the column there.
    expect(new ClassLessons(db).version('c1', 'make-a-file', 1)?.html).toBe('<p>kept</p>');
    db.close();
  });
});
