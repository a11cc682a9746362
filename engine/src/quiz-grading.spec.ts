import { describe, expect, it } from 'vitest';
import { quizSchema } from './lesson-schema.ts';
import { gradeQuiz, publicQuiz } from './quiz-grading.ts';
import { quiz } from './testing/quiz.ts';

describe('publicQuiz and gradeQuiz', () => {
  const parsed = quizSchema.parse(quiz);

  it('gives the page the question without the answers', () => {
    const shown = publicQuiz(parsed);
    expect(shown).toEqual({ id: quiz.id, question: quiz.question, options: quiz.options, multiple: true });
    expect(JSON.stringify(shown)).not.toContain('answer');
    expect(JSON.stringify(shown)).not.toContain('explanation');
    expect(publicQuiz({ ...parsed, answer: [1] }).multiple).toBe(false);
  });

  it('is correct only for exactly the right set of options', () => {
    expect(gradeQuiz(parsed, [3, 0])).toEqual({ correct: true, explanation: quiz.explanation });
    expect(gradeQuiz(parsed, [0]).correct).toBe(false);
    expect(gradeQuiz(parsed, [0, 3, 1]).correct).toBe(false);
    expect(gradeQuiz(parsed, [0, 0]).correct).toBe(false);
    expect(gradeQuiz(parsed, []).correct).toBe(false);
  });
});
