import type { NetworkFile } from './network-types.js';
import { networkFileSchema } from './network-schema.js';
import { formatPath, formatProblem, valueAt, type ValidationProblem } from './validation-problem.js';
import { checkNetworkSemantics } from './network-semantics.js';

export type LoadResult =
  | { ok: true; network: NetworkFile }
  | { ok: false; problems: ValidationProblem[] };

export class NetworkLoadError extends Error {
  readonly code = 'GW_ERR_NETWORK_INVALID';
  constructor(
    readonly source: string,
    readonly problems: ValidationProblem[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'NetworkLoadError';
  }
}

/** Validates an already-parsed network document: structure first, then every semantic rule. All problems are reported. */
export function validateNetwork(doc: unknown): LoadResult {
  const parsed = networkFileSchema.safeParse(doc);
  if (!parsed.success) {
    const problems: ValidationProblem[] = parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path as PropertyKey[]),
      value: valueAt(doc, issue.path as PropertyKey[]),
      message: issue.message,
    }));
    return { ok: false, problems: [...problems, ...semanticProblemsDespite(doc, problems)] };
  }
  const network = parsed.data as NetworkFile;
  const problems = checkNetworkSemantics(network);
  return problems.length === 0 ? { ok: true, network } : { ok: false, problems };
}

/** Parses JSON text and validates it; throws NetworkLoadError naming every problem. */
export function parseNetwork(jsonText: string, source = 'network'): NetworkFile {
  let doc: unknown;
  try {
    doc = JSON.parse(jsonText);
  } catch (err) {
    throw new NetworkLoadError(source, [
      { path: '(root)', value: jsonText.slice(0, 40), message: `not valid JSON: ${(err as Error).message}` },
    ]);
  }
  const result = validateNetwork(doc);
  if (!result.ok) throw new NetworkLoadError(source, result.problems);
  return result.network;
}

/**
 * The semantic problems of a document that failed the schema, so that one pass reports them all (a negative
 * green does not hide a conflicting phase). The rules run on the document as it is; where its shape is too broken
 * for them they are skipped (the structural problems say why), and a problem at or under a path the schema already
 * reported is left out.
 */
function semanticProblemsDespite(doc: unknown, structural: ValidationProblem[]): ValidationProblem[] {
  let semantic: ValidationProblem[];
  try {
    semantic = checkNetworkSemantics(doc as NetworkFile);
  } catch {
    return [];
  }
  const within = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
  return semantic.filter((p) => !structural.some((s) => within(p.path, s.path) || within(s.path, p.path)));
}
