// The architecture's arrows, checked in `npm test` (test/architecture.test.ts) and by `npm run depcruise`.
// docs/architecture.md says what each part is and why the arrows go the way they do.
const { readdirSync } = require('node:fs');

/** Source parts; a module in one may import another part only through that part's public entries (`entriesOf`). */
const adapters = readdirSync(`${__dirname}/adapters`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `adapters/${d.name}`);
const BARRELLED_PARTS = ['engine', 'network-models/importers/sumo', 'network-models', ...adapters, 'replay'];
/** A part's public entries: its barrel, and for the engine its timing arithmetic alone too (a thread that needs only
 * that need not load RxJS, zod and the whole engine; docs/architecture.md). */
const entriesOf = (part) => [`^${part}/index\\.ts$`, ...(part === 'engine' ? ['^engine/timing/index\\.ts$'] : [])];
/** A part's own folder, without the parts nested in it. */
const folderOf = (part) => (part === 'network-models' ? '^network-models/(?!importers/sumo/)' : `^${part}/`);
/** Code the rules hold for: everything but the tests, which are white-box and may import any module. */
const SOURCE = '^(engine|network-models|adapters|replay|cli|bench|web)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be understood, tested or moved without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'engine-is-pure',
      severity: 'error',
      comment: 'The engine runs the same in the server, in replay and in SUMO closed loop: no I/O, no clock, no sockets; it knows the network model only.',
      from: { path: '^engine/' },
      to: { pathNot: ['^engine/', '^network-models/', '^node_modules/(rxjs|zod)/'] },
    },
    {
      name: 'engine-no-node-builtins',
      severity: 'error',
      comment: 'The engine imports no node:* module (no file, network, clock or process access).',
      from: { path: '^engine/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'model-imports-no-part',
      severity: 'error',
      comment: 'The network model is the bottom layer: engine, adapters, replay and cli all build on it.',
      from: { path: '^network-models/' },
      to: { path: '^(engine|adapters|replay|cli|bench|web)/' },
    },
    {
      name: 'adapters-below-replay-and-cli',
      severity: 'error',
      comment: 'Adapters connect the engine to the world (sockets, SUMO, devices, files); replay and the CLI use them, never the reverse.',
      from: { path: '^adapters/' },
      to: { path: '^(replay|cli|bench|web)/' },
    },
    {
      name: 'replay-below-cli',
      severity: 'error',
      comment: 'Replay is a library the CLI and the benchmarks drive; it never reaches up into them.',
      from: { path: '^replay/' },
      to: { path: '^(cli|bench|web)/' },
    },
    {
      name: 'cli-is-the-composition-root',
      severity: 'error',
      comment: 'Only the CLI wires parts into a program; nothing but the CLI (and the tests) imports it.',
      from: { path: SOURCE, pathNot: '^cli/' },
      to: { path: '^cli/' },
    },
    {
      name: 'nothing-imports-bench',
      severity: 'error',
      comment: 'Benchmarks are leaves.',
      from: { path: SOURCE, pathNot: '^bench/' },
      to: { path: '^bench/' },
    },
    {
      name: 'dashboard-imports-types-only',
      severity: 'error',
      comment: 'The dashboard runs in the browser: what it takes from the server side is types, erased from the bundle.',
      from: { path: '^web/dashboard/src/' },
      to: { path: '^(engine|network-models|adapters|replay|cli)/', dependencyTypesNot: ['type-only'] },
    },
    ...BARRELLED_PARTS.map((part) => ({
      name: 'through-the-barrel',
      severity: 'error',
      comment: `Another part sees ${part} only through its public entries (its index.ts${part === 'engine' ? ' and engine/timing/index.ts' : ''}; package.json exports them).`,
      from: {
        path: SOURCE,
        // The dashboard's types from the WebSocket adapter are an exception (docs/architecture.md says why).
        pathNot: [folderOf(part), ...(part === 'adapters/websocket' ? ['^web/dashboard/src/'] : [])],
      },
      to: { path: folderOf(part), pathNot: entriesOf(part) },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
