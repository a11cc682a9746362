import type { PublicQuiz, QuizGrade } from './contract.ts';
import type { Quiz } from './lesson-schema.ts';

// Quiz grading runs on the server only: the page gets `publicQuiz`, never the answers.

export type { PublicQuiz, QuizGrade } from './contract.ts';

/** The quiz as the page may see it: question and options, without the answers. */
export function publicQuiz(quiz: Quiz): PublicQuiz {
  return {
    id: quiz.id,
    question: quiz.question,
    options: [...quiz.options],
    multiple: quiz.answer.length > 1,
  };
}

/** Grades the learner's chosen option indexes: correct when they are exactly the right set, in any order. */
export function gradeQuiz(quiz: Quiz, chosen: number[]): QuizGrade {
  const picked = new Set(chosen);
  const correct =
    picked.size === chosen.length &&
    picked.size === quiz.answer.length &&
    quiz.answer.every((index) => picked.has(index));
  return { correct, explanation: quiz.explanation };
}
