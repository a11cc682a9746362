/**
 * Why an upload cannot be imported: the file at fault (a path inside the upload, or the upload itself),
 * the line when it is known, and what is wrong, in the instructor's words. An import either returns
 * everything or throws this: nothing is half-imported.
 */
export class ImportError extends Error {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, message: string, line?: number) {
    super(message);
    this.name = 'ImportError';
    this.file = file;
    this.line = line;
  }

  /** `file:line: message`, or `file: message` without a line. */
  override toString(): string {
    return `${this.file}${this.line === undefined ? '' : `:${this.line}`}: ${this.message}`;
  }
}
