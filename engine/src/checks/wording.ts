import type { ContainerFacts } from '../docker-state.ts';

// The sentence builders judges use to say what they found.

/** How many names a list shows before "and N more". */
export const maxListed = 5;
const maxOutputChars = 200;

/** Up to five names, comma-separated, then "and N more". */
export function listNames(names: string[]): string {
  const shown = names.slice(0, maxListed).join(', ');
  return names.length > maxListed ? `${shown} and ${names.length - maxListed} more` : shown;
}

/** `1 container`, `2 containers`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Program output on one line, in backticks, cut at 200 characters. */
export function quoteOutput(text: string): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' ⏎ ');
  const truncated = flat.length > maxOutputChars;
  return `\`${truncated ? `${flat.slice(0, maxOutputChars)}…` : flat}\`${truncated ? ' (truncated)' : ''}`;
}

/** `it was <quoted text>`, or `it was empty`. */
export function describeText(text: string): string {
  return text.trim() ? `it was ${quoteOutput(text)}` : 'it was empty';
}

/** `20 s`, `1.5 s`. */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** An error's message without its final full stop. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().replace(/\.$/, '') || 'unknown error';
}

/** A container's state as `docker ps -a` would make the learner say it: `running`, `exited 1`. */
export function describeContainerState(container: ContainerFacts): string {
  switch (container.status) {
    case 'exited':
      return `exited ${container.exitCode}`;
    case 'created':
      return 'created, never started';
    default:
      return container.status;
  }
}

/** How a list of `KEY=VALUE` misses one wanted `KEY=VALUE` or `KEY`, or undefined when it does not. */
export function envDifference(env: string[], wanted: string): string | undefined {
  const [key = '', ...rest] = wanted.split('=');
  const value = rest.length > 0 ? rest.join('=') : undefined;
  const found = env.find((entry) => entry.split('=')[0] === key);
  if (found === undefined) return `has no ${key} variable (expected ${wanted})`;
  if (value !== undefined && found !== wanted) return `has ${found} (expected ${wanted})`;
  return undefined;
}
