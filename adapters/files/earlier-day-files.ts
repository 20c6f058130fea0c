import { existsSync } from 'node:fs';
import { localDayOf, localIsoTime } from './local-day.js';

/**
 * The day files of an engine run's earlier days, oldest first, for a day file that continues the run (the server
 * ran over midnight, and the file starts with an `engine-start` carrying `continuesRunFromMs`): the files beside
 * it with the same name pattern (`<prefix>-YYYY-MM-DD.ndjson[.gz]`, as `DayFileWriter` names them), back to the
 * local day of the run's start. Read first, they bring an engine to the state the live one had at midnight. When
 * one is missing, or the name does not follow the pattern, `files` is empty and `note` says so; otherwise `note`
 * says which files are read, and `whatOfThem` (e.g. `their plans are not printed`).
 */
export function earlierDayFiles(path: string, runStartMs: number, timeZone: string, whatOfThem: string): { files: string[]; note: string | undefined } {
  const named = /^(.*)-(\d{4})-(\d{2})-(\d{2})(\.ndjson(?:\.gz)?)$/.exec(path);
  const startDate = localDayOf(runStartMs, timeZone).date;
  const since = `the engine run it continues started at ${localIsoTime(runStartMs, timeZone)}`;
  const without = 'the engine starts at this day without the days before (its first plans and their versions can differ from the live ones)';
  if (!named)
    return { files: [], note: `${path} continues an engine run from an earlier day, but its name is not <prefix>-YYYY-MM-DD.ndjson(.gz), so the earlier day files cannot be found: ${since}; ${without}` };
  const [, prefix, y, m, d, ext] = named;
  const files: string[] = [];
  for (let t = Date.UTC(Number(y), Number(m) - 1, Number(d) - 1); ; t -= 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    if (date < startDate) break;
    const file = `${prefix}-${date}${ext}`;
    if (!existsSync(file)) return { files: [], note: `${path} continues an engine run from an earlier day and ${file} is not there: ${since}; ${without}` };
    files.unshift(file);
  }
  if (files.length === 0) return { files, note: undefined };
  return { files, note: `${path} continues the engine run that started at ${localIsoTime(runStartMs, timeZone)}: read ${files.join(', ')} first (${whatOfThem})` };
}
