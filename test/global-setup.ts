import crypto from 'node:crypto';
import { docker } from './helpers/docker-cli.ts';
import { incus, incusNetworks, incusSandboxes } from './helpers/sandbox-host.ts';

/**
 * Removes sandboxes, networks and volumes of test servers (instance "test-<run>-…"): at the end,
 * this run's own; at the start, those other runs left behind over an hour ago (a crashed run).
 * Runs in parallel on one machine never touch each other's fresh sandboxes.
 */
async function removeTestLeftovers(matches: (instance: string, createdAt: Date) => boolean): Promise<void> {
  const kinds = [
    { list: ['ps', '-a'], id: '{{.ID}}', created: '{{.CreatedAt}}', remove: ['rm', '-f', '-v'] },
    { list: ['network', 'ls'], id: '{{.ID}}', created: '{{.CreatedAt}}', remove: ['network', 'rm'] },
    // Volumes have no creation time here; one still in use by a live sandbox refuses removal.
    { list: ['volume', 'ls'], id: '{{.Name}}', created: '', remove: ['volume', 'rm'] },
  ];
  for (const kind of kinds) {
    const format = `${kind.id}|{{.Label "dockyard.instance"}}|${kind.created}`;
    const rows = (await docker(...kind.list, '--filter', 'label=dockyard.managed=true', '--format', format))
      .stdout;
    const ids = rows
      .split('\n')
      .map((row) => row.split('|'))
      .filter(
        ([, instance, created]) =>
          instance && created !== undefined && matches(instance, new Date(created.replace(/ [A-Z]+$/, ''))),
      )
      .map(([id]) => id!);
    if (ids.length) await docker(...kind.remove, ...ids);
  }
  // Incus sandboxes: one instance each holds everything.
  for (const sandbox of await incusSandboxes()) {
    const instance = sandbox.config['user.dockyard.instance'] ?? '';
    if (matches(instance, new Date(sandbox.created_at))) await incus('delete', '--force', sandbox.name);
  }
  // Networks of sessions with several machines (no creation time: one still in use refuses removal).
  for (const network of await incusNetworks()) {
    const instance = network.config?.['user.dockyard.instance'] ?? '';
    if (instance && matches(instance, new Date(0))) await incus('network', 'delete', network.name);
  }
}

export async function setup(): Promise<() => Promise<void>> {
  const run = crypto.randomBytes(3).toString('hex');
  process.env.DOCKYARD_TEST_RUN = run;
  const hourAgo = Date.now() - 60 * 60_000;
  await removeTestLeftovers(
    (instance, createdAt) => instance.startsWith('test-') && !(createdAt.getTime() > hourAgo),
  );
  return () => removeTestLeftovers((instance) => instance.startsWith(`test-${run}-`));
}
