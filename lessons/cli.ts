// The lesson authors' command line: `tsx lessons/cli.ts validate [dir]`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLessonIssue, LessonError, loadCourse } from '../engine/src/index.ts';

const usage = 'Usage: tsx lessons/cli.ts validate [lessons-dir]';

/** Validates every lesson in `dir`; prints `ok: …` or one `file:line: field: message` per problem. */
async function validate(dir: string): Promise<number> {
  try {
    const course = await loadCourse(dir);
    const exercises = course.lessons.reduce((sum, lesson) => sum + lesson.exercises.length, 0);
    console.log(`ok: ${course.lessons.length} lessons, ${exercises} exercises`);
    return 0;
  } catch (error) {
    if (!(error instanceof LessonError)) throw error;
    for (const issue of error.issues) console.error(formatLessonIssue(issue));
    console.error(`${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found.`);
    return 1;
  }
}

async function main(args: string[]): Promise<number> {
  const [command, dir] = args;
  switch (command) {
    case 'validate':
      return validate(path.resolve(dir ?? path.dirname(fileURLToPath(import.meta.url))));
    default:
      console.error(command === undefined ? usage : `Unknown command "${command}". ${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
