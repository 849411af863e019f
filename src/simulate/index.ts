export { createPrng, type Prng } from './prng.js';
export { generateScenario, type Scenario } from './scenario.js';
export { checkInvariants, type Violation, type SeedPayment } from './invariants.js';
export { runSeed, type SeedResult, type Sabotage } from './run-seed.js';
export { openEnvironment, type Environment, type World } from './world.js';
