/**
 * Which herald.config.json the CDK app uses: `cdk synth -c config=path/to/file.json`
 * selects one, otherwise ./herald.config.json (relative to the working directory,
 * where `cdk` runs). Loading and validation are core/config/load's: a bad file
 * throws ConfigError listing every problem.
 */
import { resolve } from 'node:path';
import type { Node } from 'constructs';
import { loadConfigFile } from '../core/config/load';
import type { HeraldConfig } from '../core/config/schema';
import { ConfigError } from '../core/errors';

/** The context key: `-c config=<path>`. */
export const CONFIG_CONTEXT_KEY = 'config';

/** Used when no `-c config=` is given. */
export const DEFAULT_CONFIG_FILE = 'herald.config.json';

/** Resolves the config path from context (absolute, relative to the working directory). */
export function configPath(node: Node): string {
  const value: unknown = node.tryGetContext(CONFIG_CONTEXT_KEY);
  if (value === undefined) return resolve(DEFAULT_CONFIG_FILE);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(
      [
        {
          path: '',
          message:
            'The "config" context value must be a file path, e.g. -c config=herald.config.json.',
        },
      ],
      '-c config',
    );
  }
  return resolve(value);
}

/** Loads and validates the selected config file; throws ConfigError when it is not usable. */
export function loadAppConfig(node: Node): HeraldConfig {
  return loadConfigFile(configPath(node));
}
