// The text of a new lesson's one exercise, shared by `npm run lessons -- new` (lessons/scaffold.ts)
// and the instructor's editor (a new class lesson starts from it). Pure: no Node API.

/** What the learner runs, and what the exercise's solve runs. */
export const scaffoldCommand = "echo 'Hello from my new lesson' > ~/hello.txt";

/** An exercises file with one exercise that proves: its check fails on a fresh machine and passes after its solve. */
export const scaffoldExercises = `exercises:
  - id: write-a-file # kebab-case, unique within the lesson
    title: Write a file in your home folder
    # Optional: runs as root before the learner starts, e.g. to pull an image or create files.
    # setup: |
    #   docker pull hello-world
    solve: ${scaffoldCommand} # must make every check pass
    auto: true # checked in the background as the learner works
    checks:
      - id: file-written
        kind: file
        path: ~/hello.txt
        content: Hello
        title: ~/hello.txt says hello
        message: ~/hello.txt is missing, or does not say Hello.
        hint: Run \`${scaffoldCommand}\`.
`;

/**
 * A new lesson page's text under its title, with the page's own way of writing a Run block and the
 * exercise card (MDX components in the course, directives in a class lesson).
 */
export function scaffoldPageBody(blocks: { run: string; exercise: string }): string {
  return `Say here, in a few sentences, what this lesson is about and why it matters.

## Try it

Every Run button types its command into the learner's terminal:

${blocks.run}

## Your turn

Write the file, then check your work:

${blocks.exercise}
`;
}
