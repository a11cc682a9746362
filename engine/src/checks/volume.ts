import { z } from 'zod';
import { shellQuote, type DockerReader } from '../docker-state.ts';
import { nameSchema, regexSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind, type Outcome } from './check-kind.ts';
import { count, describeText, listNames } from './wording.ts';

/** A check on a Docker volume. */
export const volumeCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('volume').describe("Look for a volume in the learner's Docker engine."),
    name: nameSchema.describe('The volume name, e.g. `data-vol`.'),
    driver: nameSchema.optional().describe('The volume driver, e.g. `local`.'),
    options: z
      .record(z.string(), z.string())
      .optional()
      .describe('Driver options the volume must have been created with, e.g. `{ type: none, o: bind }`.'),
    file: nameSchema
      .optional()
      .describe(
        'A file that must exist inside the volume, as a path relative to its root, e.g. `notes.txt`.',
      ),
    content: regexSchema.optional().describe('A regular expression the content of `file` must match.'),
  })
  .refine((check) => check.content === undefined || check.file !== undefined, {
    error: '`content` needs a `file` to read.',
    path: ['content'],
  })
  .describe('Passes when the volume exists with the given driver, options and file.');

export type VolumeCheck = z.infer<typeof volumeCheckSchema>;

export const volumeKind: CheckKind<typeof volumeCheckSchema> = {
  schema: volumeCheckSchema,
  judge: (check, { docker }) => judgeVolume(check, docker),
  reference: `The file is read as root from the volume's folder on the machine (for a bind-backed volume, its
\`device\` folder), so no container is needed.`,
};

async function judgeVolume(check: VolumeCheck, docker: DockerReader): Promise<Outcome> {
  const volume = await docker.volume(check.name);
  if (!volume) {
    const names = await docker.volumeNames();
    return {
      passed: false,
      found:
        names.length === 0
          ? `Found no volumes at all (\`docker volume ls\` is empty); expected one named ${check.name}.`
          : `Found ${count(names.length, 'volume')}, none named ${check.name}: ${listNames(names)}.`,
    };
  }
  const differences: string[] = [];
  if (check.driver !== undefined && volume.driver !== check.driver)
    differences.push(`uses the ${volume.driver} driver (expected ${check.driver})`);
  const wrongOptions = Object.entries(check.options ?? {}).filter(
    ([key, value]) => volume.options[key] !== value,
  );
  if (wrongOptions.length > 0) {
    const shown = Object.entries(volume.options)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
    const wanted = wrongOptions.map(([key, value]) => `${key}=${value}`).join(', ');
    differences.push(`was created with ${shown ? `options ${shown}` : 'no options'} (expected ${wanted})`);
  }
  if (differences.length > 0)
    return { passed: false, found: `Found volume ${check.name}, but it ${differences.join(', ')}.` };
  if (check.file === undefined) return { passed: true };

  // A bind-backed volume keeps its files in its device folder; the mountpoint is only filled while in use.
  const bound = /(^|,)bind(,|$)/.test(volume.options.o ?? '') && volume.options.device;
  const root = bound ? volume.options.device : volume.mountpoint;
  const file = `${root}/${check.file.replace(/^\/+/, '')}`;
  const read = await docker.docker(
    `if [ -f ${shellQuote(file)} ]; then cat -- ${shellQuote(file)}; else exit 3; fi`,
    {
      allowFailure: true,
    },
  );
  if (read.exitCode !== 0)
    return { passed: false, found: `Volume ${check.name} holds no file ${check.file}.` };
  if (check.content !== undefined && !new RegExp(check.content, 'm').test(read.stdout))
    return {
      passed: false,
      found: `${check.file} in volume ${check.name} does not match /${check.content}/: ${describeText(read.stdout)}.`,
    };
  return { passed: true };
}
