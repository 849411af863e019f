/**
 * A problem with the machine or the settings that the person starting the service can fix (a port in
 * use, another instance on the same data, an unreachable database). Its message is the one line the
 * process prints before it stops: what is wrong and what to do, no stack trace.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
