// Sizes in bytes, read and written one way across the course, the server and the site.

/** A size as Docker writes it: bytes, or a number with k, m or g (`i` and `b` allowed: `20MB`, `10GiB`). */
export const sizePattern = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i;

/** Bytes in a size written as Docker writes it: `256m`, `1.5g`, `20MB`, `10GiB`; k, m and g are powers of 1024. */
export function parseSize(text: string): number {
  const match = sizePattern.exec(text);
  if (!match?.[1]) throw new Error(`"${text}" is not a size (try 512m or 1g).`);
  const unit = (match[2] ?? 'b').toLowerCase()[0] ?? 'b';
  const power = { b: 0, k: 1, m: 2, g: 3 }[unit] ?? 0;
  return Math.round(Number(match[1]) * 1024 ** power);
}

const unitNames = {
  /** Powers of 1024, as `docker inspect` limits are set: `512 MiB`. */
  binary: { step: 1024, names: ['bytes', 'KiB', 'MiB', 'GiB'] },
  /** Powers of 1000, as `docker images` and registries print sizes: `1.5 MB`. */
  decimal: { step: 1000, names: ['B', 'kB', 'MB', 'GB'] },
};

/** `536870912` → `512 MiB` (binary) or `1536000` → `1.5 MB` (decimal): one decimal below 100, none above. */
export function formatBytes(bytes: number, units: keyof typeof unitNames = 'binary'): string {
  const { step, names } = unitNames[units];
  let value = bytes;
  let unit = 0;
  while (value >= step && unit < names.length - 1) {
    value /= step;
    unit += 1;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${names[unit]}`;
}
