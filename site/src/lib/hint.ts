// A hint, collapsed until the learner asks for it: Hint.astro's markup (a toggle button, and the body it
// shows and hides) and its behaviour, for course lessons and for class lessons alike.

/** Makes `button` show and hide `body`, saying which it will do next. */
export function wireHint(button: HTMLButtonElement, body: HTMLElement): void {
  button.addEventListener('click', () => {
    const open = body.hidden;
    body.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide hint' : (button.dataset.label ?? 'Show hint');
  });
}

/**
 * Turns a class lesson's `<aside data-dockyard="hint">` into Hint.astro's markup in place: its
 * content (placeholders included: they are moved, not copied) goes into a hidden body with the id
 * `id`, behind a "Show hint" button.
 */
export function hydrateHint(aside: HTMLElement, id: string, label = 'Show hint'): void {
  const doc = aside.ownerDocument;
  const body = doc.createElement('div');
  body.className = 'hint-body';
  body.id = id;
  body.hidden = true;
  body.append(...Array.from(aside.childNodes));
  const button = doc.createElement('button');
  button.type = 'button';
  button.className = 'button hint-toggle';
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', id);
  button.dataset.label = label;
  button.textContent = label;
  aside.classList.add('hint');
  aside.dataset.hint = '';
  aside.replaceChildren(button, body);
  wireHint(button, body);
}
