// The placeholders of a rendered instructor page (engine/src/pages/render-page.ts): empty
// `<div data-dockyard="run" data-command="…">` elements (and `<aside data-dockyard="hint">`) that a
// page fills in: the editor's preview with read-only stand-ins, the learner's page with its live
// components. Only the `data-` attributes are read.

export type Placeholder =
  | { kind: 'run'; command: string }
  | { kind: 'copy'; text: string }
  | { kind: 'exercise'; id: string }
  | { kind: 'quiz'; id: string }
  | { kind: 'preview'; port: number }
  | { kind: 'hint' };

/** What a placeholder element stands for, or undefined for any other element. */
export function readPlaceholder(element: Pick<Element, 'getAttribute'>): Placeholder | undefined {
  const data = (name: string) => element.getAttribute(`data-${name}`) ?? '';
  switch (element.getAttribute('data-dockyard')) {
    case 'run':
      return { kind: 'run', command: data('command') };
    case 'copy':
      return { kind: 'copy', text: data('text') };
    case 'exercise':
      return { kind: 'exercise', id: data('id') };
    case 'quiz':
      return { kind: 'quiz', id: data('id') };
    case 'preview': {
      const port = Number(data('port'));
      return Number.isInteger(port) && port >= 1 && port <= 65535 ? { kind: 'preview', port } : undefined;
    }
    case 'hint':
      return { kind: 'hint' };
    default:
      return undefined;
  }
}

/** Every placeholder under `root`, in document order. */
export function placeholdersIn(root: ParentNode): { element: HTMLElement; placeholder: Placeholder }[] {
  return [...root.querySelectorAll<HTMLElement>('[data-dockyard]')].flatMap((element) => {
    const placeholder = readPlaceholder(element);
    return placeholder ? [{ element, placeholder }] : [];
  });
}
