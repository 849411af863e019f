/** The ORM's view of this module (the entity list in src/main.ts imports it; it pulls in no services). */
export { OpsExceptionSchema } from './ops-exception.entity.js';
