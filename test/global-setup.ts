import { docker } from './helpers/docker-cli.ts';

/** Removes sandboxes, networks and volumes that test servers (instance "test-…") left behind. */
async function removeTestLeftovers(): Promise<void> {
  const kinds = [
    { list: ['ps', '-aq'], remove: ['rm', '-f', '-v'] },
    { list: ['network', 'ls', '-q'], remove: ['network', 'rm'] },
    { list: ['volume', 'ls', '-q'], remove: ['volume', 'rm', '-f'] },
  ];
  for (const kind of kinds) {
    const ids = (await docker(...kind.list, '--filter', 'label=dockyard.managed=true')).stdout
      .split('\n')
      .filter(Boolean);
    for (const id of ids) {
      const inspect = kind.list[0] === 'ps' ? ['inspect'] : [kind.list[0]!, 'inspect'];
      const instance = (
        await docker(...inspect, '--format', '{{index .Labels "dockyard.instance"}}', id)
      ).stdout.trim();
      if (instance.startsWith('test-')) await docker(...kind.remove, id);
    }
  }
}

export async function setup(): Promise<() => Promise<void>> {
  await removeTestLeftovers();
  return removeTestLeftovers;
}
