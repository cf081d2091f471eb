/**
 * How deep `text` nests arrays and objects, counted without parsing and without
 * recursion (so a hostile body cannot exhaust the stack while it is measured):
 * brackets inside strings, escaped quotes included, do not count. Stops counting
 * as soon as `limit` is passed and returns `limit + 1`.
 */
export function jsonDepth(text: string, limit = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return limit + 1;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** A JSON body nested deeper than the service accepts: HTTP 400, before it is parsed. */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;

  constructor(readonly limit: number) {
    super(`body nests arrays or objects deeper than ${limit} levels`);
    this.name = 'JsonTooDeepError';
  }
}
