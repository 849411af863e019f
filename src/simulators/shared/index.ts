export * from './clock.js';
export * from './faults.js';
export * from './keys.js';
export * from './x509.js';
export * from './http.js';
export * from './control.js';
