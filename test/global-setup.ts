import { docker } from './helpers/docker-cli.ts';

/** Removes sandboxes, networks and volumes that test servers (instance "test-…") left behind. */
async function removeTestLeftovers(): Promise<void> {
  const kinds = [
    { list: ['ps', '-a'], id: '{{.ID}}', remove: ['rm', '-f', '-v'] },
    { list: ['network', 'ls'], id: '{{.ID}}', remove: ['network', 'rm'] },
    { list: ['volume', 'ls'], id: '{{.Name}}', remove: ['volume', 'rm', '-f'] },
  ];
  for (const kind of kinds) {
    const format = `${kind.id} {{.Label "dockyard.instance"}}`;
    const rows = (await docker(...kind.list, '--filter', 'label=dockyard.managed=true', '--format', format))
      .stdout;
    const ids = rows
      .split('\n')
      .map((row) => row.split(' '))
      .filter(([, instance]) => instance?.startsWith('test-'))
      .map(([id]) => id!);
    if (ids.length) await docker(...kind.remove, ...ids);
  }
}

export async function setup(): Promise<() => Promise<void>> {
  await removeTestLeftovers();
  return removeTestLeftovers;
}
