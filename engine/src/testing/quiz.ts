/** A well-formed quiz with two correct options, as an author writes it in exercises.yaml. */
export const quiz = {
  id: 'what-is-shared',
  question: 'What do containers on one machine share?',
  options: ['The kernel', 'The root filesystem', 'The process table', 'The system calls they can make'],
  answer: [0, 3],
  explanation: 'They share the kernel and so its system calls; files and processes are their own.',
};
