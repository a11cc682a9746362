// How many machines a lesson's session has (`machines: 2` in a lesson's frontmatter, 1 when unset)
// and what they are called: node1…nodeN, on one private network.

/** The most machines a lesson may ask for. */
export const maxMachines = 5;

/** A session's first machine: the one a route means when it names none (`?machine=` absent). */
export const firstMachine = 'node1';

/** The names the server gives a lesson's machines: `["node1", "node2"]` for 2. */
export function machineNamesFor(count: number): string[] {
  return Array.from({ length: Math.max(1, count) }, (_, index) => `node${index + 1}`);
}

/** A machine count as the lesson page writes it (`data-machines="2"`): 1 unless a whole number 1–5. */
export function parseMachineCount(text: string | undefined): number {
  const count = Number(text);
  return Number.isInteger(count) && count >= 1 && count <= maxMachines ? count : 1;
}

/** The machines a server's answer names, or the one machine of an older server (which names none). */
export function machineNames(value: unknown): string[] {
  return Array.isArray(value) && value.length > 0 && value.every((name) => typeof name === 'string')
    ? (value as string[])
    : [firstMachine];
}
