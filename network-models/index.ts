export type * from './network-types.js';
export { NETWORK_FORMAT, NETWORK_FORMAT_VERSION } from './network-types.js';
export { validateNetwork, parseNetwork, NetworkLoadError, type LoadResult } from './load-network.js';
export { formatProblem, type ValidationProblem } from './validation-problem.js';
export { buildRoadGraph, type RoadGraph, type SignalHop, type RoutePath } from './road-graph.js';
export { SyntheticDemand, mulberry32, poisson, type SyntheticCount, type SyntheticDemandOptions } from './synthetic-demand.js';
export { arterialCorridorNetwork, gridCityNetwork, DEMO_NETWORKS } from './demo/demo-networks.js';
export { buildGridNetwork, type GridNetworkSpec } from './demo/build-grid-network.js';
