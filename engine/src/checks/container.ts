import { z } from 'zod';
import { formatBytes } from '../bytes.ts';
import type { ContainerFacts, DockerReader } from '../docker-state.ts';
import { sameImageReference } from '../image-reference.ts';
import { envEntrySchema, nameSchema, sizeSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind, type Outcome } from './check-kind.ts';
import { count, describeContainerState, envDifference, listNames, maxListed } from './wording.ts';

/** A check that looks for a container in the learner's Docker engine. */
export const containerCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('container').describe("Look for a container in the learner's Docker engine."),
    image: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('The image the container was created from, as a learner would type it, e.g. `hello-world`.'),
    name: z.string().trim().min(1).optional().describe('The container name, e.g. `web`.'),
    state: z
      .enum(['exists', 'running', 'exited'])
      .default('exists')
      .describe('The state the container must be in; `exists` takes it in any state.'),
    exitCode: z
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe(
        'The exit code the container must have exited with; implies `exited`, so not with state `running`.',
      ),
    ports: z
      .array(
        z.strictObject({
          container: z.int().min(1).max(65535).describe('The port inside the container, e.g. 5000.'),
          host: z
            .int()
            .min(1)
            .max(65535)
            .optional()
            .describe("The sandbox's port it is published on; any when left out."),
          protocol: z.enum(['tcp', 'udp']).default('tcp').describe('The protocol.'),
        }),
      )
      .optional()
      .describe(
        'Ports the container must publish (`-p host:container`), e.g. `[{ container: 5000, host: 5000 }]`.',
      ),
    env: z
      .array(envEntrySchema)
      .optional()
      .describe('Environment variables the container must have, e.g. `MESSAGE=hello`.'),
    mounts: z
      .array(
        z.strictObject({
          source: nameSchema
            .optional()
            .describe(
              'A volume name or, for a bind mount, the absolute path on the machine; any when left out.',
            ),
          target: nameSchema.describe('The path inside the container, e.g. `/data`.'),
        }),
      )
      .optional()
      .describe(
        'Volumes or bind mounts the container must have, e.g. `[{ source: data-vol, target: /data }]`.',
      ),
    memory: z
      .strictObject({
        max: sizeSchema.optional().describe('The limit must be set and at most this.'),
        equals: sizeSchema.optional().describe('The limit must be exactly this.'),
      })
      .refine((memory) => memory.max !== undefined || memory.equals !== undefined, {
        error: 'Give `max` or `equals`.',
      })
      .optional()
      .describe('The memory limit (`--memory`/`-m`) the container must have: give `max`, `equals` or both.'),
    networks: z.array(nameSchema).optional().describe('Networks the container must be attached to, by name.'),
  })
  .refine((check) => check.exitCode === undefined || check.state !== 'running', {
    error: 'A container cannot be running and have an exit code: drop `exitCode` or use state `exited`.',
    path: ['exitCode'],
  })
  .describe('Passes when at least one container matches every given criterion.');

export type ContainerCheck = z.infer<typeof containerCheckSchema>;

export const containerKind: CheckKind<typeof containerCheckSchema> = {
  schema: containerCheckSchema,
  judge: (check, { docker }) => judgeContainer(check, docker),
  reference: `Containers that have exited count too, unless \`state\` or \`exitCode\` says otherwise.

\`\`\`yaml
- id: board-running
  kind: container
  name: board
  state: running
  ports: [{ container: 5000, host: 5000 }]
  env: [DB_HOST=db]
  networks: [two-tier-net]
\`\`\`

Failing, it names the containers it found and how each differs: _"Found 1 container named web, but it
does not match: web publishes 8080→5000 (expected 5000→5000), has no memory limit (expected at most 64 MiB)."_`,
};

async function judgeContainer(check: ContainerCheck, docker: DockerReader): Promise<Outcome> {
  const containers = await docker.containers();
  if (containers.length === 0)
    return { passed: false, found: 'Found no containers at all (`docker ps -a` is empty).' };

  let imageId: string | undefined;
  if (check.image !== undefined && !containers.some((c) => sameImageReference(c.image, check.image ?? ''))) {
    // The container may have been started by image id or under another tag of the same image.
    imageId = await docker.imageId(check.image);
  }
  const fromImage = (c: ContainerFacts): boolean =>
    check.image === undefined ||
    sameImageReference(c.image, check.image) ||
    (imageId !== undefined && c.imageId === imageId);
  const candidates = containers.filter(
    (c) => fromImage(c) && (check.name === undefined || c.name === check.name),
  );

  const wanted = describeWantedContainer(check);
  if (candidates.length === 0) {
    return {
      passed: false,
      found: `Found ${count(containers.length, 'container')}, none ${wanted}: ${listContainers(containers)}.`,
    };
  }
  const inState = candidates.filter((c) => containerInState(c, check));
  if (inState.length === 0) {
    return {
      passed: false,
      found: `Found ${count(candidates.length, 'container')} ${wanted}, but none ${describeWantedState(check)}: ${listContainers(candidates)}.`,
    };
  }
  const mismatches = inState.map((c) => ({ container: c, differences: containerDifferences(c, check) }));
  if (mismatches.some((m) => m.differences.length === 0)) return { passed: true };
  const described = mismatches
    .slice(0, maxListed)
    .map((m) => `${m.container.name} ${m.differences.join(', ')}`)
    .join('; ');
  return {
    passed: false,
    found: `Found ${count(inState.length, 'container')} ${wanted}, but ${inState.length === 1 ? 'it does' : 'none does'} not match: ${described}.`,
  };
}

/** How a container differs from the details a check asks for, in the learner's words; empty when it matches. */
function containerDifferences(c: ContainerFacts, check: ContainerCheck): string[] {
  const differences: string[] = [];
  for (const port of check.ports ?? []) {
    const published = c.ports.some(
      (p) =>
        p.container === port.container &&
        p.protocol === port.protocol &&
        (port.host === undefined || p.host === port.host),
    );
    if (!published) {
      const shown = c.ports.map(formatPort).join(', ');
      differences.push(
        `publishes ${shown || 'no ports'} (expected ${formatPort({ ...port, host: port.host })})`,
      );
    }
  }
  for (const wantedEnv of check.env ?? []) {
    const difference = envDifference(c.env, wantedEnv);
    if (difference) differences.push(difference);
  }
  for (const mount of check.mounts ?? []) {
    const mounted = c.mounts.some(
      (m) => m.target === mount.target && (mount.source === undefined || m.source === mount.source),
    );
    if (!mounted) {
      const shown = c.mounts.map((m) => `${m.source} at ${m.target}`).join(', ');
      differences.push(
        `mounts ${shown || 'nothing'} (expected ${mount.source ?? 'something'} at ${mount.target})`,
      );
    }
  }
  if (check.memory) {
    const { max, equals } = check.memory;
    const has = c.memory > 0 ? `has a memory limit of ${formatBytes(c.memory)}` : 'has no memory limit';
    if (equals !== undefined && c.memory !== equals)
      differences.push(`${has} (expected exactly ${formatBytes(equals)})`);
    else if (max !== undefined && (c.memory === 0 || c.memory > max))
      differences.push(`${has} (expected at most ${formatBytes(max)})`);
  }
  const missingNetworks = (check.networks ?? []).filter((n) => !c.networks.includes(n));
  if (missingNetworks.length > 0)
    differences.push(
      `is attached to ${c.networks.join(', ') || 'no network'} (expected ${missingNetworks.join(', ')})`,
    );
  return differences;
}

function formatPort(port: { container: number; protocol: string; host?: number }): string {
  const suffix = port.protocol === 'tcp' ? '' : `/${port.protocol}`;
  return `${port.host ?? 'any port'}→${port.container}${suffix}`;
}

function containerInState(container: ContainerFacts, check: ContainerCheck): boolean {
  if (check.exitCode !== undefined)
    return container.status === 'exited' && container.exitCode === check.exitCode;
  if (check.state === 'running') return container.running;
  if (check.state === 'exited') return container.status === 'exited';
  return true;
}

function describeWantedContainer(check: ContainerCheck): string {
  const parts: string[] = [];
  if (check.name !== undefined) parts.push(`named ${check.name}`);
  if (check.image !== undefined) parts.push(`from ${check.image}`);
  return parts.length > 0 ? parts.join(' ') : 'matching';
}

function describeWantedState(check: ContainerCheck): string {
  if (check.exitCode !== undefined) return `exited with code ${check.exitCode}`;
  return check.state === 'running' ? 'is running' : 'has exited';
}

function listContainers(containers: ContainerFacts[]): string {
  return listNames(
    containers.map((c) => `${c.name} (${familiarImageName(c.image)}, ${describeContainerState(c)})`),
  );
}

function familiarImageName(image: string): string {
  // An image id stays as Docker shows it, shortened; a name loses only what Docker would add.
  if (/^sha256:[0-9a-f]{64}$/.test(image)) return image.slice(7, 19);
  return image;
}
