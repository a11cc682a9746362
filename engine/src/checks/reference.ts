import type { z } from 'zod';
import { checkBaseShape } from './check-kind.ts';
import { checkKinds } from './index.ts';

// The check reference of docs/authoring.md, written from the check schemas' descriptions so the two
// cannot drift. `npm run docs:checks` writes it; reference.spec.ts fails when the file is stale.

export const referenceStart = '<!-- check-reference:start -->';
export const referenceEnd = '<!-- check-reference:end -->';

/** What the reflection below reads of a zod schema's definition. */
interface Definition {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  defaultValue?: unknown;
}

interface Row {
  field: string;
  /** `required`, `optional` or the default value. */
  default: string;
  meaning: string;
}

/** The check reference in Markdown: the fields of every check, then one section per kind. */
export function checkReference(): string {
  const kinds = Object.keys(checkKinds).map((kind) => `\`${kind}\``);
  const base = Object.entries(checkBaseShape).map(([key, field]) => ({
    field: key,
    meaning: field.description ?? '',
  }));
  base.splice(1, 0, {
    field: 'kind',
    meaning: `What the check looks at: ${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)} (each below).`,
  });
  const sections = [
    '### Fields of every check',
    table(
      ['Field', 'Meaning'],
      base.map((row) => [`\`${row.field}\``, row.meaning]),
    ),
  ];
  for (const [kind, { schema, reference }] of Object.entries(checkKinds)) {
    const shape = definition(schema).shape ?? {};
    const intro = [shape.kind?.description, schema.description].filter(Boolean).join(' ');
    const own = Object.fromEntries(Object.entries(shape).filter(([key]) => !(key in checkBaseShape)));
    delete own.kind;
    const rows = fieldRows(own, '');
    sections.push(
      `### \`kind: ${kind}\``,
      intro,
      table(
        ['Field', 'Default', 'Meaning'],
        rows.map((row) => [`\`${row.field}\``, row.default, row.meaning]),
      ),
    );
    if (reference) sections.push(reference);
  }
  return sections.join('\n\n');
}

/** `document` with the text between the check-reference markers replaced by `checkReference()`. */
export function withCheckReference(document: string): string {
  const start = document.indexOf(referenceStart);
  const end = document.indexOf(referenceEnd);
  if (start < 0 || end < start)
    throw new Error(
      `docs/authoring.md needs the markers ${referenceStart} and ${referenceEnd}, in that order.`,
    );
  const generated = [
    referenceStart,
    '<!-- Written by `npm run docs:checks` from the check schemas in engine/src/checks/: edit those, not this. -->',
    '',
    checkReference(),
    '',
  ].join('\n');
  return document.slice(0, start) + generated + document.slice(end);
}

function fieldRows(shape: Record<string, z.ZodType>, prefix: string): Row[] {
  return Object.entries(shape).flatMap(([key, field]) => {
    const name = `${prefix}${key}`;
    let inner = field;
    let shown = 'required';
    for (;;) {
      const def = definition(inner);
      if (def.type === 'optional' && def.innerType) shown = 'optional';
      else if (def.type === 'default' && def.innerType) shown = formatDefault(def.defaultValue);
      else break;
      inner = def.innerType;
    }
    const meaning = [field.description ?? ''];
    if (inner.description && inner.description !== field.description) meaning.push(inner.description);
    const def = definition(inner);
    if (def.type === 'enum' && def.entries)
      meaning.push(
        `One of ${Object.values(def.entries)
          .map((value) => `\`${value}\``)
          .join(', ')}.`,
      );
    const element = def.type === 'array' && def.element ? def.element : undefined;
    if (element?.description) meaning.push(`Each: ${element.description}`);
    const row: Row = { field: name, default: shown, meaning: meaning.filter(Boolean).join(' ') };
    const nested = definition(element ?? inner);
    if (nested.type === 'object' && nested.shape)
      return [row, ...fieldRows(nested.shape, element ? `${name}[].` : `${name}.`)];
    return [row];
  });
}

function formatDefault(value: unknown): string {
  return typeof value === 'object' ? 'optional' : `\`${String(value)}\``;
}

function definition(schema: z.ZodType): Definition {
  return (schema as unknown as { def: Definition }).def;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string =>
    `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
