/**
 * English messages for `zod/mini`, which the modules bundled into `send` use
 * (messages, the rendered email, the environment) instead of classic `zod`:
 * classic is ~450 KB of the bundle and costs import time, mini is tree-shaken
 * to the checks used and produces the same issues and messages
 * (docs/performance.md, send.coldInitRatio).
 *
 * Import it for its side effect next to `import * as z from 'zod/mini'`.
 * Classic zod registers English on its own; mini must be told. `config` is
 * global and this is the same locale, so nothing changes for classic users.
 * Keep the imports named: re-exporting the `zod/mini` namespace would stop
 * esbuild from tree-shaking it (and pull in every locale).
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
