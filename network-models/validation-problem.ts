/** One thing wrong with an input, named by its path, with the offending value and the rule it broke. */
export interface ValidationProblem {
  path: string;
  value: unknown;
  message: string;
}

export function formatPath(segments: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

export function formatProblem(p: ValidationProblem): string {
  return `${p.path} = ${formatValue(p.value)}: ${p.message}`;
}

export function valueAt(root: unknown, segments: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[s];
  }
  return cur;
}
