import type { LessonIds } from './lesson-ids.ts';
import { findPlaceholders, type Placeholder } from './class-lesson-placeholders.ts';

// Read-only stand-ins for a rendered page's placeholders, for the instructor's preview: what the
// learner will see in each place, without the buttons doing anything. Built with text nodes only,
// so nothing the instructor wrote becomes markup.

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A card like the learner's (`.exercise`): its label, title, and a disabled button. */
function card(kind: string, label: string, title: string, button: string): HTMLElement {
  const box = el('div', kind);
  box.append(el('p', 'exercise-label', label), el('p', 'exercise-title', title));
  const action = el('button', 'button', button) as HTMLButtonElement;
  action.type = 'button';
  action.disabled = true;
  box.append(action);
  return box;
}

/** A command box like the learner's Run or Copy block. */
function commandBox(text: string, button: string): HTMLElement {
  const box = el('div', 'run-command');
  const pre = el('pre', '');
  pre.append(el('code', '', text));
  const actions = el('div', 'run-command-actions');
  const action = el('button', 'button button-primary', button) as HTMLButtonElement;
  action.type = 'button';
  action.disabled = true;
  actions.append(action);
  box.append(pre, actions);
  return box;
}

function standIn(placeholder: Placeholder, ids: LessonIds): HTMLElement | undefined {
  switch (placeholder.kind) {
    case 'run':
      return commandBox(placeholder.command, 'Run');
    case 'copy':
      return commandBox(placeholder.text, 'Copy');
    case 'exercise': {
      const found = ids.exercises.find((e) => e.id === placeholder.id);
      return card('exercise', 'Exercise', found?.title ?? placeholder.id, 'Check');
    }
    case 'quiz': {
      const found = ids.quizzes.find((q) => q.id === placeholder.id);
      return card('quiz', 'Quiz', found?.question ?? placeholder.id, 'Answer');
    }
    case 'preview':
      return card(
        'preview',
        'Preview',
        `The page on port ${placeholder.port} of the learner's machine`,
        'Open',
      );
    case 'hint':
      return undefined;
  }
}

/** Fills each placeholder under `root` with its stand-in; a hint shows its text under a "Hint" label. */
export function renderStandIns(root: ParentNode, ids: LessonIds): void {
  for (const { element, placeholder } of findPlaceholders<HTMLElement>(root)) {
    if (placeholder.kind === 'hint') {
      element.classList.add('hint', 'hint-body');
      element.prepend(el('p', 'exercise-label', 'Hint (hidden until the learner asks)'));
      continue;
    }
    const node = standIn(placeholder, ids);
    if (node) element.replaceChildren(node);
  }
}
