import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { totp } from './totp.ts';

/**
 * `npm run totp -- <user>`: the current TOTP code of a local console user (officer, viewer), for
 * signing in to `npm start`'s console without an authenticator app. Reads LETHE_DATA_DIR/auth.json.
 */
const user = process.argv[2] ?? 'officer';
const file = join(resolve(process.env.LETHE_DATA_DIR ?? '.lethe'), 'auth.json');
const users = (JSON.parse(readFileSync(file, 'utf8')) as { users: Record<string, { totpSecret?: string }> }).users;
const secret = users[user]?.totpSecret;
if (!secret) {
  console.error(`no TOTP secret for ${user} in ${file} (users: ${Object.keys(users).join(', ')}); start Lethe once with npm start`);
  process.exit(1);
}
const left = 30 - (Math.floor(Date.now() / 1000) % 30);
console.log(`${totp(secret)}   (${user}, valid for ${left} more seconds)`);
