/**
 * Every `lattice-index` command, in the order `--help` lists them.
 * A new command is one module in this folder plus one line here.
 * @module
 */
import type { CommandModule } from 'yargs';
import { validateCommand } from './validate.js';
import { buildCommand } from './build.js';
import { keygenCommand } from './keygen.js';
import { signCommand } from './sign.js';
import { verifyCommand } from './verify.js';
import { revokeCommand } from './revoke.js';
import { rotateKeyCommand } from './rotate-key.js';
import { addCommand } from './add.js';
import { prCheckCommand } from './pr-check.js';
import { codeownersCommand } from './codeowners.js';
import { manifestCommand } from './manifest.js';
import { bundleCommand } from './bundle.js';
import { checkEntryCommand } from './check-entry.js';

import { installCommand } from './install.js';
import { candidatesCommand } from './candidates.js';
import { policyCommand } from './policy.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [validateCommand, buildCommand, keygenCommand, signCommand, verifyCommand, revokeCommand, rotateKeyCommand, addCommand, prCheckCommand, codeownersCommand, manifestCommand, bundleCommand, checkEntryCommand, installCommand, candidatesCommand, policyCommand];
