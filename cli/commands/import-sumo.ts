import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { readSumoXmlFile } from '../../adapters/sumo/index.js';
import { formatImportIssue, importSumoNetwork, SumoImportError } from '../../network-models/importers/sumo/index.js';

interface ImportSumoOptions {
  output: string;
  detectors?: string;
  name?: string;
  advanceDistance: string;
  quiet?: boolean;
}

export function registerImportSumoCommand(program: Command): void {
  program
    .command('import-sumo')
    .description('Import a SUMO .net.xml as a Greenwave network file, plus a SUMO additional file with its detectors')
    .argument('<net>', 'SUMO network (.net.xml, or gzip-compressed .net.xml.gz)')
    .requiredOption('-o, --output <file>', 'network file to write (JSON)')
    .option('--detectors <file>', 'SUMO additional file for the detectors (default: next to the output, <name>.det.add.xml)')
    .option('--name <name>', 'network name (default: the .net.xml file name)')
    .option('--advance-distance <metres>', 'distance of advance detectors upstream of the stop line', '50')
    .option('-q, --quiet', 'do not list what could not be represented')
    .addHelpText('after', '\nExit codes: 0 imported, 1 imported with warnings, 2 not importable.')
    .action((net: string, opts: ImportSumoOptions) => {
      try {
        process.exitCode = runImport(net, opts);
      } catch (err) {
        if (err instanceof SumoImportError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
          process.stderr.write(`greenwave import-sumo: ${(err as Error).message}\n`);
          process.exitCode = 2;
        } else throw err;
      }
    });
}

function runImport(netFile: string, opts: ImportSumoOptions): number {
  const advance = Number(opts.advanceDistance);
  if (!Number.isFinite(advance) || advance <= 0) throw new SumoImportError('GW_ERR_SUMO_XML', `--advance-distance = ${opts.advanceDistance}: must be a positive number of metres`);
  const name = opts.name ?? basename(netFile).replace(/\.net\.xml(\.gz)?$/i, '').replace(/\.xml$/i, '');
  const result = importSumoNetwork(readSumoXmlFile(netFile), { source: netFile, name, advanceDetectorDistanceMetres: advance });
  const detectorsFile = opts.detectors ?? join(dirname(opts.output), `${basename(opts.output).replace(/\.json$/i, '')}.det.add.xml`);
  writeFileSync(opts.output, `${JSON.stringify(result.network, null, 2)}\n`);
  writeFileSync(detectorsFile, result.detectorsXml);
  const n = result.network;
  const signals = n.intersections.filter((x) => x.control === 'signalized').length;
  process.stdout.write(
    `${opts.output}: ${signals} signals, ${n.intersections.length - signals} unsignalized junctions, ${n.links.length} links, ${n.detectors.length} detectors\n` +
      `${detectorsFile}: SUMO induction loops for the detectors\n`,
  );
  const warnings = result.issues.filter((i) => i.severity === 'warning').length;
  if (!opts.quiet) for (const i of result.issues) process.stdout.write(`  ${formatImportIssue(i)}\n`);
  if (result.issues.length > 0) process.stdout.write(`${result.issues.length} import notes (${warnings} warnings)\n`);
  return warnings > 0 ? 1 : 0;
}
