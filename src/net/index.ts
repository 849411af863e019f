/** Loopback network helpers with no dependencies, for harnesses (simulator, benches, tests). */
export { freePort } from './free-port.js';
