import type { NetworkFile } from '../../index.js';
import { validateNetwork } from '../../index.js';
import { formatProblem } from '../../index.js';
import { parseSumoNet } from './parse-sumo-net.js';
import { convertSumoNet, type SumoImportOptions, type SumoImportResult } from './convert-sumo-net.js';
import { detectorAdditionalXml } from './detector-additional.js';
import { SumoImportError } from './sumo-import-error.js';
import { formatImportIssue } from './import-issue.js';

export interface SumoNetworkImport extends SumoImportResult {
  /** SUMO additional file defining the network's detectors as induction loops. */
  detectorsXml: string;
}

/**
 * Text of a SUMO .net.xml in, validated Greenwave network plus detector additional file out. Throws
 * SumoImportError if the result would not be a valid network file (a bug, reported with every problem).
 */
export function importSumoNetwork(xmlText: string, options: SumoImportOptions & { source?: string } = {}): SumoNetworkImport {
  const net = parseSumoNet(xmlText, options.source);
  const result = convertSumoNet(net, options);
  if (!result.network.intersections.some((x) => x.control === 'signalized'))
    throw new SumoImportError(
      'GW_ERR_SUMO_NO_SIGNALS',
      `${options.source ?? 'net.xml'}: no traffic light could be imported (${net.tlLogics.length} programs in the file)` +
        result.issues.filter((i) => i.severity === 'warning').slice(0, 5).map((i) => `\n  ${formatImportIssue(i)}`).join(''),
    );
  const checked = validateNetwork(result.network);
  if (!checked.ok)
    throw new SumoImportError(
      'GW_ERR_SUMO_INVALID_RESULT',
      `importing ${options.source ?? 'net.xml'} produced an invalid network:\n${checked.problems.slice(0, 20).map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
  const network: NetworkFile = checked.network;
  return { ...result, network, detectorsXml: detectorAdditionalXml(network) };
}
