/** Named errors of the local stack: each message is a sentence a person can act on. */
import { HeraldError } from '../core/errors';

export class LocalStackError extends HeraldError {
  override name = 'LocalStackError';
}

/** A fixed local port is taken by another program (EADDRINUSE). */
export class PortInUseError extends LocalStackError {
  override name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly service: string,
    readonly flag: string,
  ) {
    super(`Port ${port} is in use (${service}); stop the other program or pass ${flag}.`);
  }
}

/** The stack was asked to do something after stop(). */
export class StackStoppedError extends LocalStackError {
  override name = 'StackStoppedError';
  constructor() {
    super('The local stack has been stopped.');
  }
}

/** A fault injected by a test (`LocalStack.faults`): stands in for a network or service failure. */
export class InjectedFaultError extends LocalStackError {
  override name = 'InjectedFaultError';
}
