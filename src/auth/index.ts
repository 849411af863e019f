export { createTokenVerifier, signDevelopmentToken, type JwtSettings, type TokenVerifier } from './jwt.js';
export { mayView, type Owned } from './ownership.js';
export { ALL_ROLES, BACK_OFFICE, isRole, Role, type Viewer } from './viewer.js';
