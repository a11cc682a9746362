import { z } from 'zod';
import { formatBytes } from '../bytes.ts';
import type { DockerReader, ImageDetails } from '../docker-state.ts';
import { familiarImageReference, sameImageReference } from '../image-reference.ts';
import { envEntrySchema, nameSchema, sizeSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind, type Outcome } from './check-kind.ts';
import { count, envDifference, listNames } from './wording.ts';

/** A check that looks for an image in the learner's Docker engine. */
export const imageCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('image').describe("Look for an image in the learner's Docker engine."),
    ref: z
      .string()
      .trim()
      .min(1)
      .describe(
        'The image reference, e.g. `hello-world`, `hello-world:latest` or `docker.io/library/hello-world`.',
      ),
    maxSize: sizeSchema.optional().describe('The image must be at most this big, e.g. `20MB`.'),
    maxLayers: z
      .int()
      .positive()
      .optional()
      .describe('The image may have at most this many layers (a `scratch` image with one `COPY` has 1).'),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .describe('Labels the image must carry, with their values: `{ key: value }`.'),
    env: z
      .array(envEntrySchema)
      .optional()
      .describe('Environment variables the image must set (`ENV` in the Dockerfile).'),
    workdir: nameSchema.optional().describe('The working directory the image must set (`WORKDIR`).'),
  })
  .describe('Passes when the image is present locally under that reference, with every detail given.');

export type ImageCheck = z.infer<typeof imageCheckSchema>;

export const imageKind: CheckKind<typeof imageCheckSchema> = {
  schema: imageCheckSchema,
  judge: (check, { docker }) => judgeImage(check, docker),
  reference: `Spellings of \`ref\` are normalised the way Docker does: \`hello-world\`, \`hello-world:latest\`,
\`library/hello-world\` and \`docker.io/library/hello-world:latest\` are one image; \`user/app\` is
\`docker.io/user/app:latest\`; \`host:5000/app\` is a different registry.

What an image must *not* hold (no \`go\` compiler in the final stage) is a \`command\` check that runs the
image: \`docker run --rm --entrypoint /usr/bin/go app version\` must fail, guarded so that a missing image
does not count as success.`,
};

async function judgeImage(check: ImageCheck, docker: DockerReader): Promise<Outcome> {
  const images = await docker.images();
  const wantedId = /^(sha256:)?[0-9a-f]{12,64}$/.test(check.ref)
    ? check.ref.replace(/^sha256:/, '')
    : undefined;
  const present = images.some(
    (image) =>
      image.references.some((ref) => sameImageReference(ref, check.ref)) ||
      (wantedId !== undefined && image.id.replace(/^sha256:/, '').startsWith(wantedId)),
  );
  if (present) return judgeImageDetails(check, docker);
  if (images.length === 0)
    return { passed: false, found: 'Found no images at all (`docker images` is empty).' };
  const names = images.map(
    (image) => image.references[0] ?? `<none> (${image.id.replace(/^sha256:/, '').slice(0, 12)})`,
  );
  return {
    passed: false,
    found: `Found ${count(images.length, 'image')}, none is ${familiarImageReference(check.ref)}: ${listNames(names)}.`,
  };
}

async function judgeImageDetails(check: ImageCheck, docker: DockerReader): Promise<Outcome> {
  const wantsDetails =
    check.maxSize !== undefined ||
    check.maxLayers !== undefined ||
    check.labels !== undefined ||
    check.env !== undefined ||
    check.workdir !== undefined;
  if (!wantsDetails) return { passed: true };
  const details = await docker.imageDetails(check.ref);
  if (!details)
    return { passed: false, found: `Docker could not inspect ${familiarImageReference(check.ref)}.` };
  const differences = imageDifferences(details, check);
  if (differences.length === 0) return { passed: true };
  return {
    passed: false,
    found: `Found ${familiarImageReference(check.ref)}, but it ${differences.join(', ')}.`,
  };
}

function imageDifferences(image: ImageDetails, check: ImageCheck): string[] {
  const differences: string[] = [];
  if (check.maxSize !== undefined && image.size > check.maxSize)
    differences.push(`is ${formatBytes(image.size)} (expected at most ${formatBytes(check.maxSize)})`);
  if (check.maxLayers !== undefined && image.layers > check.maxLayers)
    differences.push(`has ${count(image.layers, 'layer')} (expected at most ${check.maxLayers})`);
  for (const [key, value] of Object.entries(check.labels ?? {})) {
    const found = image.labels[key];
    if (found === undefined) differences.push(`has no label ${key} (expected ${key}=${value})`);
    else if (found !== value) differences.push(`has label ${key}=${found} (expected ${key}=${value})`);
  }
  for (const wanted of check.env ?? []) {
    const difference = envDifference(image.env, wanted);
    if (difference) differences.push(difference);
  }
  if (check.workdir !== undefined && image.workdir !== check.workdir)
    differences.push(`has working directory ${image.workdir || '/ (none set)'} (expected ${check.workdir})`);
  return differences;
}
