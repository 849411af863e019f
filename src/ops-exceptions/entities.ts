/** The ORM's view of this module (imported by src/db/entities.ts; pulls in no services, so no cycles). */
export { OpsExceptionSchema } from './ops-exception.entity.js';
