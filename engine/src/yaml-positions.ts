import { isMap, isNode, isPair, isScalar, isSeq, type Document } from 'yaml';

// Where a field of a parsed YAML (or JSON) document stands in its text, for problems on their lines:
// the lesson catalogue's and the Killercoda importer's.

/** The source offset of the node at `fieldPath`, or of its nearest existing ancestor. */
export function findOffset(doc: Document, fieldPath: (string | number)[]): number {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
  for (const key of fieldPath) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (!pair) break;
      // Point at the key: a missing or wrong value is still best found by its key's line.
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      next = pair.value;
      if (isNode(next) && next.range && !(isMap(next) || isSeq(next))) offset = next.range[0];
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
      if (isNode(next) && next.range) offset = next.range[0];
    } else {
      break;
    }
    if (next === undefined || next === null) break;
    node = next;
  }
  return offset;
}
