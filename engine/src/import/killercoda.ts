import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { exercisesFileSchema } from '../lesson-schema.ts';
import { findOffset } from '../yaml-positions.ts';
import { ImportError } from './import-error.ts';
import { findJsonMistake } from './json-error.ts';
import {
  convertKillercodaMarkdown,
  escapeDirectiveColons,
  type ConvertedMarkdown,
  type ReportEntry,
} from './killercoda-markdown.ts';
import { defaultUnzipLimits, normaliseEntryPath, safeUnzip, type UnzipLimits } from './safe-unzip.ts';

// Imports a Killercoda scenario: index.json, the Markdown of the intro, steps and finish, and the
// scripts the steps name. Each step becomes a `##` section of an instructor page (Markdown with
// Dockyard's directives, docs/authoring.md) and, when it has a verify script, an exercise with one
// command check. A pure function of the files: it returns everything, with a report of what could
// not be carried over, or throws an ImportError naming the file at fault.

export type { ReportEntry } from './killercoda-markdown.ts';

/** The exercises file as an author writes it (defaults left out), valid for `exercisesFileSchema`. */
export type ExercisesFileInput = z.input<typeof exercisesFileSchema>;

/** A scenario turned into a Dockyard page and its exercises. */
export interface KillercodaImport {
  /** From the scenario's folder (or zip) name, else its title: `a-z0-9-`, at most 40 characters. */
  slug: string;
  title: string;
  /** Markdown with Dockyard's directives. */
  page: string;
  exercises: ExercisesFileInput;
  /** Everything that could not be carried over as it was, in scenario order. */
  report: ReportEntry[];
}

/** The limits of an import: the zip's (or pasted files') sizes, and each page and script. */
export interface KillercodaLimits extends UnzipLimits {
  /** The largest Markdown file, and the largest page made from them. */
  maxPageBytes: number;
  /** The largest verify, background or foreground script. */
  maxScriptBytes: number;
}

export const killercodaLimits: KillercodaLimits = {
  ...defaultUnzipLimits,
  maxPageBytes: 1024 * 1024,
  maxScriptBytes: 64 * 1024,
};

export interface KillercodaFilesOptions {
  /** The scenario's folder name, for the slug. */
  folder?: string;
  limits?: KillercodaLimits;
}

export interface KillercodaZipOptions {
  /** The zip's file name, e.g. `nginx-scenario.zip`: for errors, and for the slug when the zip has no top-level folder. */
  name?: string;
  limits?: KillercodaLimits;
}

/** Imports a scenario from its files, by path relative to the scenario folder (or to one folder holding it). */
export function importKillercodaFiles(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: KillercodaFilesOptions = {},
): KillercodaImport {
  const limits = options.limits ?? killercodaLimits;
  const entries = Object.entries(files);
  if (entries.length > limits.maxEntries) {
    throw new ImportError(
      options.folder ?? 'scenario',
      `The scenario has ${entries.length} files; the limit is ${limits.maxEntries}.`,
    );
  }
  const bytes = new Map<string, Uint8Array>();
  let total = 0;
  for (const [name, content] of entries) {
    const data = typeof content === 'string' ? encoder.encode(content) : content;
    total += data.byteLength;
    if (total > limits.maxTotalBytes) {
      throw new ImportError(
        options.folder ?? 'scenario',
        `The scenario's files are over ${megabytes(limits.maxTotalBytes)} together, the limit.`,
      );
    }
    const path = normaliseEntryPath(name);
    if (bytes.has(path)) throw new ImportError(name, 'Two files have this path.');
    bytes.set(path, data);
  }
  return importScenario(bytes, options.folder, limits);
}

/** Imports a scenario from a zip of its folder (the folder itself may be the zip's one top-level entry). */
export function importKillercodaZip(zip: Uint8Array, options: KillercodaZipOptions = {}): KillercodaImport {
  const limits = options.limits ?? killercodaLimits;
  const name = options.name ?? 'scenario.zip';
  const files = safeUnzip(zip, name, limits);
  return importScenario(
    files,
    name
      .replace(/\.zip$/i, '')
      .split('/')
      .pop(),
    limits,
  );
}

/** A slug from a folder name or title: lowercase `a-z0-9` and single dashes, at most 40 characters. */
export function scenarioSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

// index.json, read loosely: Killercoda accepts more than Dockyard uses, and what is left over is reported.
const fileField = z.string().trim().min(1, { error: 'Give a file name.' });
const pageSchema = z.looseObject({
  title: z.string().optional(),
  text: fileField.optional(),
  background: fileField.optional(),
  foreground: fileField.optional(),
});
const stepSchema = z.looseObject({
  title: z.string().optional(),
  text: fileField.optional(),
  verify: fileField.optional(),
  background: fileField.optional(),
  foreground: fileField.optional(),
});
const assetSchema = z.looseObject({ file: z.string(), target: z.string().optional() });
const indexSchema = z.looseObject({
  title: z.string().trim().min(1, { error: 'The scenario needs a title.' }),
  description: z.string().optional(),
  details: z.looseObject({
    intro: pageSchema.optional(),
    steps: z.array(stepSchema).default([]),
    finish: pageSchema.optional(),
    assets: z.record(z.string(), z.array(assetSchema)).optional(),
  }),
  backend: z.looseObject({ imageid: z.string().optional() }).optional(),
  interface: z.looseObject({ layout: z.string().optional() }).optional(),
});
type Index = z.infer<typeof indexSchema>;

const knownFields: Record<string, string[]> = {
  '': ['title', 'description', 'details', 'backend', 'interface'],
  details: ['intro', 'steps', 'finish', 'assets'],
  page: ['title', 'text', 'background', 'foreground'],
  step: ['title', 'text', 'verify', 'background', 'foreground'],
  backend: ['imageid'],
};

const INDEX = 'index.json';
/** Files that zip tools add and that are no part of a scenario. */
const systemFile = /(^|\/)(__MACOSX\/.*|\.DS_Store|Thumbs\.db)$/;

function importScenario(
  all: Map<string, Uint8Array>,
  folderName: string | undefined,
  limits: KillercodaLimits,
): KillercodaImport {
  const { files, folder } = scenarioRoot(all);
  const scenario = new Scenario(files, limits);
  const index = scenario.index();
  const report: ReportEntry[] = [];
  const at = (...path: (string | number)[]): number | undefined => scenario.lineOf(path);

  reportUnknownFields(index, '', [], knownFields[''], report, at);
  reportUnknownFields(index.details, 'details.', ['details'], knownFields.details, report, at);
  if (index.backend)
    reportUnknownFields(index.backend, 'backend.', ['backend'], knownFields.backend, report, at);
  const imageid = index.backend?.imageid;
  if (imageid !== undefined) {
    report.push({
      file: INDEX,
      line: at('backend', 'imageid'),
      message: /^(ubuntu|debian|docker)/i.test(imageid)
        ? `The scenario runs on Killercoda's "${imageid}" machine; a Dockyard machine is Debian with Docker, so commands that need that machine exactly may behave differently.`
        : `The scenario needs Killercoda's "${imageid}" machine, which Dockyard does not have: a Dockyard machine is Debian with Docker, so steps that need more (a Kubernetes cluster, several hosts) will not work.`,
    });
  }
  if (index.interface) {
    report.push({
      file: INDEX,
      line: at('interface'),
      message: `The interface settings (${JSON.stringify(index.interface)}) are Killercoda's: a Dockyard page always sits beside one terminal.`,
    });
  }
  reportAssets(index, scenario, report, at);

  const sections: string[] = [];
  const solveSoFar: string[] = [];
  const setups: string[] = [];
  if (index.description?.trim()) sections.push(escapeDirectiveColons(index.description.trim()));

  const intro = index.details.intro;
  if (intro) {
    reportUnknownFields(intro, 'details.intro.', ['details', 'intro'], knownFields.page, report, at);
    if (intro.title?.trim()) sections.push(`## ${escapeDirectiveColons(intro.title.trim())}`);
    // Without a title of its own, the intro's headings become the page's first sections.
    const text = scenario.markdown(
      intro.text,
      ['details', 'intro', 'text'],
      report,
      intro.title?.trim() ? 2 : 1,
    );
    if (text?.markdown) sections.push(text.markdown);
    solveSoFar.push(...(text?.runs ?? []));
    const background = scenario.script(intro.background, ['details', 'intro', 'background'], report);
    if (background) setups.push(background.script);
    scenario.foreground(intro.foreground, ['details', 'intro', 'foreground'], 'the scenario starts', report);
  }

  const exercises: NonNullable<ExercisesFileInput['exercises']> = [];
  index.details.steps.forEach((step, i) => {
    const n = i + 1;
    const where = ['details', 'steps', i];
    reportUnknownFields(step, `details.steps[${i}].`, where, knownFields.step, report, at);
    let title = step.title?.trim() ?? '';
    const untitled = !title;
    if (untitled) {
      title = `Step ${n}`;
      report.push({
        file: INDEX,
        line: at(...where),
        message: `Step ${n} has no title; it is called "${title}".`,
      });
    }
    sections.push(`## ${escapeDirectiveColons(title)}`);
    const text = scenario.markdown(step.text, [...where, 'text'], report);
    if (text) {
      if (text.markdown) sections.push(text.markdown);
      solveSoFar.push(...text.runs);
    } else {
      report.push({ file: INDEX, line: at(...where), message: `Step ${n} ("${title}") has no text.` });
    }

    const verify = scenario.script(step.verify, [...where, 'verify'], report);
    const background = scenario.script(step.background, [...where, 'background'], report);
    scenario.foreground(step.foreground, [...where, 'foreground'], `step ${n} starts`, report);
    const named = untitled ? `step ${n}` : `step ${n} ("${title}")`;
    if (!verify) {
      if (background) {
        setups.push(background.script);
        report.push({
          file: background.path,
          message: `Step ${n} has a background script but no verify script, so no exercise: the script became part of the lesson's setup, which runs when the lesson opens.`,
        });
      }
      return;
    }
    const id = `step-${n}`;
    sections.push(`::exercise{id=${id}}`);
    if (background && n > 1) {
      report.push({
        file: background.path,
        message: `Killercoda runs this background script when the learner reaches step ${n}; Dockyard runs every exercise's setup when the lesson opens, before step 1.`,
      });
    }
    const solve = solveSoFar.length > 0 ? solveSoFar.join('\n') : undefined;
    report.push({
      file: INDEX,
      line: at(...where),
      message: solve
        ? `Killercoda has no solve scripts: the solve script of exercise ${id} runs the {{exec}} commands of the scenario up to ${named}. Prove the exercise to see that it passes (a command that keeps running in the foreground makes the proof time out).`
        : `Killercoda has no solve scripts and no {{exec}} command comes before the check of ${named}: write the solve script of exercise ${id} before proving it.`,
    });
    exercises.push({
      id,
      title,
      ...(background ? { setup: background.script } : {}),
      solve:
        solve ??
        `echo 'No solve script yet: write one that makes the check of ${named.replace(/'/g, '')} pass.' >&2\nexit 1`,
      checks: [
        {
          id: 'verify',
          kind: 'command',
          run: verify.script,
          title: `The check of ${named} passes.`,
          message: `The check of ${named} did not pass yet.`,
          hint: `Do what ${named} asks, then check again.`,
        },
      ],
    });
  });

  const finish = index.details.finish;
  if (finish) {
    reportUnknownFields(finish, 'details.finish.', ['details', 'finish'], knownFields.page, report, at);
    const text = scenario.markdown(finish.text, ['details', 'finish', 'text'], report);
    if (text?.markdown || finish.title?.trim()) {
      sections.push(`## ${escapeDirectiveColons(finish.title?.trim() || 'Finish')}`);
      if (text?.markdown) sections.push(text.markdown);
    }
    const background = scenario.script(finish.background, ['details', 'finish', 'background'], report);
    if (background) {
      report.push({
        file: background.path,
        message:
          'Killercoda runs this background script when the learner finishes; Dockyard has no such moment, so it was left out.',
      });
    }
    scenario.foreground(
      finish.foreground,
      ['details', 'finish', 'foreground'],
      'the learner finishes',
      report,
    );
  }

  for (const path of scenario.unused()) {
    report.push({ file: path, message: 'index.json does not use this file, so it was left out.' });
  }

  const page = `${sections.join('\n\n')}\n`;
  if (encoder.encode(page).byteLength > limits.maxPageBytes) {
    throw new ImportError(
      INDEX,
      `The page made from the scenario is over ${megabytes(limits.maxPageBytes)}, the limit.`,
    );
  }
  const contents: ExercisesFileInput = {
    ...(setups.length > 0 ? { setup: setups.join('\n') } : {}),
    exercises,
  };
  const valid = exercisesFileSchema.safeParse(contents);
  if (!valid.success) {
    // Not expected: every value above is built to be valid. Say so rather than return half a result.
    const issue = valid.error.issues[0];
    throw new ImportError(
      INDEX,
      `The exercises made from the scenario are not valid: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return {
    slug:
      scenarioSlug(folder ?? '') ||
      scenarioSlug(folderName ?? '') ||
      scenarioSlug(index.title) ||
      'killercoda-scenario',
    title: index.title.trim(),
    page,
    exercises: contents,
    report,
  };
}

/** The scenario's files relative to its folder: the upload's top, or its one top-level folder. */
function scenarioRoot(all: Map<string, Uint8Array>): { files: Map<string, Uint8Array>; folder?: string } {
  const files = new Map([...all].filter(([path]) => !systemFile.test(path)));
  if (files.has(INDEX)) return { files };
  const tops = new Set([...files.keys()].map((path) => path.split('/')[0]));
  const [top] = tops;
  if (tops.size === 1 && top && files.has(`${top}/${INDEX}`)) {
    const inner = new Map<string, Uint8Array>();
    for (const [path, data] of files) inner.set(path.slice(top.length + 1), data);
    return { files: inner, folder: top };
  }
  throw new ImportError(
    INDEX,
    'The scenario has no index.json: put it at the top of the zip, or in its one top-level folder.',
  );
}

class Scenario {
  private readonly used = new Set<string>();
  private indexText = '';
  private locator: ((path: (string | number)[]) => number | undefined) | undefined;

  constructor(
    private readonly files: Map<string, Uint8Array>,
    private readonly limits: KillercodaLimits,
  ) {}

  index(): Index {
    const text = this.text(INDEX);
    this.indexText = text;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      const mistake = findJsonMistake(text);
      const reason = mistake
        ? `${mistake.message} (column ${mistake.column})`
        : (error instanceof Error ? error.message : String(error)).split('\n')[0];
      throw new ImportError(INDEX, `Not valid JSON: ${reason}.`, mistake?.line);
    }
    const result = indexSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      const path = (issue?.path ?? []).filter((key) => typeof key !== 'symbol') as (string | number)[];
      throw new ImportError(INDEX, `${fieldName(path) || 'The file'}: ${issue?.message}`, this.lineOf(path));
    }
    return result.data;
  }

  /** The line of a field of index.json, or of its nearest parent found. */
  lineOf(path: (string | number)[]): number | undefined {
    this.locator ??= jsonLocator(this.indexText);
    return this.locator(path);
  }

  /** The converted Markdown file that `name` (a field of index.json at `field`) names. */
  markdown(
    name: string | undefined,
    field: (string | number)[],
    report: ReportEntry[],
    headingShift = 2,
  ): ConvertedMarkdown | undefined {
    const path = this.resolve(name, field);
    if (path === undefined) return undefined;
    const size = this.files.get(path)?.byteLength ?? 0;
    if (size > this.limits.maxPageBytes) {
      throw new ImportError(
        path,
        `The page is ${megabytes(size)}; the limit is ${megabytes(this.limits.maxPageBytes)}.`,
      );
    }
    return convertKillercodaMarkdown(this.text(path), path, report, headingShift);
  }

  /** The script that `name` names, ready for `sh -c`, and its path; undefined (and reported) when it is empty. */
  script(
    name: string | undefined,
    field: (string | number)[],
    report: ReportEntry[],
  ): { path: string; script: string } | undefined {
    const path = this.resolve(name, field);
    if (path === undefined) return undefined;
    const text = this.scriptText(path);
    if (!text.trim()) {
      report.push({ file: path, message: 'The script is empty, so it was left out.' });
      return undefined;
    }
    reportRootPaths(text, path, report);
    return { path, script: forSh(text, path, report) };
  }

  /** A foreground script is checked and reported: Dockyard never types into the learner's terminal by itself. */
  foreground(
    name: string | undefined,
    field: (string | number)[],
    when: string,
    report: ReportEntry[],
  ): void {
    const path = this.resolve(name, field);
    if (path === undefined) return;
    this.scriptText(path);
    report.push({
      file: path,
      message: `Killercoda runs this foreground script in the learner's terminal when ${when}; Dockyard does not run scripts in the learner's terminal, so it was left out. Move what it prepares into a setup script, or ask the learner to run it.`,
    });
  }

  unused(): string[] {
    return [...this.files.keys()].filter((path) => !this.used.has(path)).sort();
  }

  markUsed(path: string): void {
    this.used.add(path);
  }

  private scriptText(path: string): string {
    const size = this.files.get(path)?.byteLength ?? 0;
    if (size > this.limits.maxScriptBytes) {
      throw new ImportError(
        path,
        `The script is ${kibibytes(size)}; the limit is ${kibibytes(this.limits.maxScriptBytes)}.`,
      );
    }
    return this.text(path);
  }

  private resolve(name: string | undefined, field: (string | number)[]): string | undefined {
    if (name === undefined) return undefined;
    let path: string;
    try {
      path = normaliseEntryPath(name.trim());
    } catch (error) {
      const why = error instanceof ImportError ? error.message : String(error);
      throw new ImportError(INDEX, `${fieldName(field)}: "${name}": ${why}`, this.lineOf(field));
    }
    if (!this.files.has(path)) {
      throw new ImportError(
        INDEX,
        `${fieldName(field)} names the file "${name}", which is not in the scenario.`,
        this.lineOf(field),
      );
    }
    return path;
  }

  private text(path: string): string {
    const data = this.files.get(path);
    if (data === undefined) throw new ImportError(path, 'The file is missing.');
    this.used.add(path);
    let text: string;
    try {
      text = utf8.decode(data);
    } catch {
      throw new ImportError(path, 'The file is not UTF-8 text.');
    }
    return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  }
}

/**
 * A script as `sh -c` (how Dockyard runs setup and check scripts) must run it. Killercoda runs each
 * script as a file, so its `#!` line counts; without one, bash is taken (its terminals are bash).
 * Only a script for plain `sh` runs unchanged; the others are handed whole to their interpreter by a
 * quoted heredoc, which keeps the script's standard input free.
 */
function forSh(script: string, path: string, report: ReportEntry[]): string {
  const shebang = /^#!\s*(\S+)(.*)$/.exec(script.split('\n', 1)[0] ?? '');
  let words = shebang
    ? [shebang[1] ?? '', ...(shebang[2] ?? '').trim().split(/\s+/).filter(Boolean)]
    : ['bash'];
  if (/(^|\/)env$/.test(words[0] ?? '')) words = words.slice(1).filter((word) => word !== '-S');
  const interpreter = (words[0] ?? 'bash').split('/').pop() ?? 'bash';
  const args = words.slice(1);
  if ((interpreter === 'sh' || interpreter === 'dash') && args.length === 0) return script;
  let command = interpreter;
  if (!['sh', 'dash', 'bash', 'zsh', 'ksh', 'python', 'python3'].includes(interpreter)) {
    report.push({
      file: path,
      line: 1,
      message: `The script runs with ${interpreter}; Dockyard runs it with bash instead. Check that it still works.`,
    });
    command = 'bash';
  }
  const lines = script.replace(/\n+$/, '').split('\n');
  let delimiter = 'KILLERCODA_SCRIPT';
  for (let n = 1; lines.includes(delimiter); n++) delimiter = `KILLERCODA_SCRIPT_${n}`;
  const invocation = [command, ...(command === interpreter ? args : []), '-c'].join(' ');
  return `${invocation} "$(cat <<'${delimiter}'\n${lines.join('\n')}\n${delimiter}\n)"`;
}

function reportRootPaths(script: string, path: string, report: ReportEntry[]): void {
  const index = script.split('\n').findIndex((line) => /(^|[^\w/.-])\/root(\/|\b)/.test(line));
  if (index < 0) return;
  report.push({
    file: path,
    line: index + 1,
    message:
      "The script uses /root: Killercoda's learner is root, working in /root, while Dockyard's learner is `learner`, working in /home/learner. Check its paths.",
  });
}

function reportAssets(
  index: Index,
  scenario: Scenario,
  report: ReportEntry[],
  at: (...path: (string | number)[]) => number | undefined,
): void {
  for (const [host, assets] of Object.entries(index.details.assets ?? {})) {
    assets.forEach((asset, i) => {
      const file = asset.file.includes('*') ? `assets/${asset.file}` : normaliseOr(`assets/${asset.file}`);
      for (const path of scenario.unused()) {
        if (path.startsWith('assets/') && globMatch(asset.file, path.slice('assets/'.length)))
          scenario.markUsed(path);
      }
      report.push({
        file,
        line: at('details', 'assets', host, i),
        message: `Killercoda copies this asset to ${asset.target ?? 'the machine'} on ${host}; Dockyard copies no files, so it was left out. Write it from a setup script instead (for example with a heredoc).`,
      });
    });
  }
}

function reportUnknownFields(
  object: Record<string, unknown>,
  prefix: string,
  where: (string | number)[],
  known: string[] | undefined,
  report: ReportEntry[],
  at: (...path: (string | number)[]) => number | undefined,
): void {
  for (const key of Object.keys(object)) {
    if (known?.includes(key)) continue;
    report.push({
      file: INDEX,
      line: at(...where, key),
      message: `The field ${prefix}${key} is not one Dockyard uses, so it was left out.`,
    });
  }
}

function globMatch(pattern: string, path: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(path);
}

function normaliseOr(path: string): string {
  try {
    return normaliseEntryPath(path);
  } catch {
    return path;
  }
}

function fieldName(path: (string | number)[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

/** Finds the line of a field of a JSON text, read as YAML (JSON is YAML's flow style) for its positions. */
function jsonLocator(text: string): (path: (string | number)[]) => number | undefined {
  const lineCounter = new LineCounter();
  // Tabs may indent JSON but not YAML; a space keeps every offset where it was.
  const doc = parseDocument(text.replace(/\t/g, ' '), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
  });
  if (doc.errors.length > 0) return () => undefined;
  return (path) => lineCounter.linePos(findOffset(doc, path)).line;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

function kibibytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
}
