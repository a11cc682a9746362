import { describe, expect, it } from 'vitest';
import { renderPage } from '../../../engine/src/pages/render-page.ts';
import { lessonIds } from './lesson-ids.ts';
import { newLessonDraft } from './lesson-template.ts';

describe('lessonIds', () => {
  it('reads the exercises and quizzes of the YAML', () => {
    const yaml = `quizzes:\n  - id: q1\n    question: Why?\nexercises:\n  - id: e1\n    title: Do it\n  - id: e2\n  - title: no id\n`;
    expect(lessonIds(yaml)).toEqual({
      exercises: [
        { id: 'e1', title: 'Do it' },
        { id: 'e2', title: 'e2' },
      ],
      quizzes: [{ id: 'q1', question: 'Why?' }],
    });
  });

  it('reads the new lesson template’s one exercise, which its page names without a problem', () => {
    const ids = lessonIds(newLessonDraft.exercises)!;
    expect(ids.exercises.map((e) => e.id)).toEqual(['write-a-file']);
    const page = renderPage(newLessonDraft.page, { exercises: ['write-a-file'], quizzes: [] });
    expect(page.problems).toEqual([]);
    expect(page.html).toContain('data-dockyard="exercise"');
  });

  it('answers nothing for YAML that does not parse, and no ids for another shape', () => {
    expect(lessonIds('exercises: [\n')).toBeUndefined();
    expect(lessonIds('just text')).toEqual({ exercises: [], quizzes: [] });
  });
});
