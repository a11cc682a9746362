/** "1 exercise", "3 quizzes". */
export const plural = (count: number, word: string, words = `${word}s`) =>
  `${count} ${count === 1 ? word : words}`;

/** A lesson card's meta line on the course index: "2 exercises · 1 quiz · about 10 min". */
export function lessonMeta(lesson: {
  exercises: readonly unknown[];
  quizzes: readonly unknown[];
  minutes?: number;
}): string {
  return [
    plural(lesson.exercises.length, 'exercise'),
    lesson.quizzes.length > 0 ? plural(lesson.quizzes.length, 'quiz', 'quizzes') : undefined,
    lesson.minutes !== undefined ? `about ${lesson.minutes} min` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}
