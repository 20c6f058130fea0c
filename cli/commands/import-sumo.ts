import { statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { readSumoXmlFile } from '../../adapters/sumo/index.js';
import { formatImportIssue, importSumoNetwork, SumoImportError } from '../../network-models/importers/sumo/index.js';
import { CliError, EXIT_OK, EXIT_SOME_REJECTED, fileError } from '../cli-errors.js';
import { numberIn } from '../option-parsers.js';

interface ImportSumoOptions {
  output: string;
  detectors?: string;
  name?: string;
  advanceDistance: number;
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
    .option('--advance-distance <metres>', 'distance of advance detectors upstream of the stop line, more than 0 up to 1000 m', numberIn(0, 1000, { minExclusive: true }), 50)
    .option('-q, --quiet', 'do not list what could not be represented')
    .addHelpText('after', '\nimport-sumo: 1 when imported with warnings (parts of the network could not be represented), 2 when not importable.')
    .action((net: string, opts: ImportSumoOptions) => {
      process.exitCode = runImport(net, opts);
    });
}

function runImport(netFile: string, opts: ImportSumoOptions): number {
  const name = opts.name ?? basename(netFile).replace(/\.net\.xml(\.gz)?$/i, '').replace(/\.xml$/i, '');
  const detectorsFile = opts.detectors ?? join(dirname(opts.output), `${basename(opts.output).replace(/\.json$/i, '')}.det.add.xml`);
  // refuse a directory as an output before the (possibly long) import, in words
  refuseDirectory('-o/--output', opts.output);
  refuseDirectory('--detectors', detectorsFile);
  if (!isFile(netFile)) throw new CliError(`<net> ${netFile}: not a file: give a SUMO .net.xml[.gz]`);
  let result;
  try {
    result = importSumoNetwork(readSumoXmlFile(netFile), { source: netFile, name, advanceDetectorDistanceMetres: opts.advanceDistance });
  } catch (err) {
    if (err instanceof SumoImportError) throw new CliError(err.message);
    throw err;
  }
  write('-o/--output', opts.output, `${JSON.stringify(result.network, null, 2)}\n`);
  write('--detectors', detectorsFile, result.detectorsXml);
  const n = result.network;
  const signals = n.intersections.filter((x) => x.control === 'signalized').length;
  process.stdout.write(
    `${opts.output}: ${signals} signals, ${n.intersections.length - signals} unsignalized junctions, ${n.links.length} links, ${n.detectors.length} detectors\n` +
      `${detectorsFile}: SUMO induction loops for the detectors\n`,
  );
  const warnings = result.issues.filter((i) => i.severity === 'warning').length;
  if (!opts.quiet) for (const i of result.issues) process.stdout.write(`  ${formatImportIssue(i)}\n`);
  if (result.issues.length > 0) process.stdout.write(`${result.issues.length} import notes (${warnings} warnings)\n`);
  return warnings > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (err) {
    throw fileError('<net>', path, err);
  }
}

function refuseDirectory(option: string, path: string): void {
  let directory = false;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    return; // a new file: written later, its errors reported there
  }
  if (directory) throw new CliError(`${option} ${path}: is a directory: give the file to write, e.g. ${join(path, 'network.json')}`);
}

function write(option: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw fileError(option, path, err);
  }
}
