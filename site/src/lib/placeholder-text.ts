// Placeholders such as {{hub.username}} in a text, for the build (lesson-placeholders.ts) and the
// page (lesson-vars.ts) alike: no imports but the contract, so the Astro config can load it.

import { placeholderPattern as PLACEHOLDER } from '../../../engine/src/contract.ts';

/** A text cut into its plain parts and its placeholders (`{ name }`), in order. */
export function splitPlaceholders(text: string): (string | { name: string })[] {
  const parts: (string | { name: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(new RegExp(PLACEHOLDER.source, 'g'))) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({ name: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
