export { ReconFileChunkSchema, ReconFileSchema, type ReconFile } from './recon-file.entity.js';
export { ReconRunSchema, type ReconRun } from './recon-run.entity.js';
export { ReconItemSchema, type ReconItem } from './recon-item.entity.js';
