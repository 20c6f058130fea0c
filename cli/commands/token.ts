import { InvalidArgumentError, type Command } from 'commander';
import { oneOf } from '../option-parsers.js';
import { mintToken, newTokenId, randomSecret, ROLES, type Role } from '../../adapters/websocket/index.js';
import { CliError } from '../load-network-file.js';
import { readSecret, requireStrongSecret } from '../live-settings.js';

interface TokenOptions {
  role?: string;
  scope: string;
  sub?: string;
  expiresIn?: number;
  secretFile?: string;
  newSecret?: boolean;
}

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('Mint a device or viewer token (HMAC-signed with the server secret from GREENWAVE_SECRET), or print a new secret')
    .option('--role <role>', `${ROLES.join(', ')} (operator: a viewer that may also override signals)`, oneOf(ROLES))
    .option('--scope <ids>', 'comma-separated detector ids (detector) or intersection ids (controller, viewer); "prefix*" matches a prefix, "*" everything', '*')
    .option('--sub <name>', 'who holds the token (device or person), shown in logs', undefined)
    .option('--expires-in <duration>', 'lifetime such as 90d, 12h, 30m, 45s (default: no expiry)', durationSeconds)
    .option('--secret-file <file>', 'read the secret from a file instead of GREENWAVE_SECRET')
    .option('--new-secret', 'print a new random secret and exit')
    .addHelpText('after', '\nExample:\n  export GREENWAVE_SECRET=$(greenwave token --new-secret)\n  greenwave token --role detector --scope "IA1:*" --sub cabinet-ia1 --expires-in 365d')
    .action((opts: TokenOptions) => {
      if (opts.newSecret) return void process.stdout.write(`${randomSecret()}\n`);
      if (!opts.role) throw new CliError(`--role is required (one of ${ROLES.join(', ')}), or --new-secret`);
      const secret = requireStrongSecret(readSecret(opts), 'cannot mint a token');
      const scope = opts.scope.split(',').map((s) => s.trim()).filter(Boolean);
      if (scope.length === 0) throw new CliError('--scope: give at least one id or "*"');
      const exp = opts.expiresIn ? Math.floor(Date.now() / 1000) + opts.expiresIn : undefined;
      const jti = newTokenId();
      const token = mintToken(secret, { sub: opts.sub ?? `${opts.role}-${Date.now().toString(36)}`, role: opts.role as Role, scope, ...(exp ? { exp } : {}), jti });
      process.stdout.write(`${token}\n`);
      // the id goes to stderr, so that `TOKEN=$(greenwave token ...)` still captures only the token
      process.stderr.write(`token id (jti): ${jti}; revoke it by adding this id to the server's --revocation-file\n`);
    });
}

function durationSeconds(text: string): number {
  const m = /^(\d+)([dhms])$/.exec(text);
  const seconds = m ? Number(m[1]) * { d: 86_400, h: 3600, m: 60, s: 1 }[m[2] as 'd' | 'h' | 'm' | 's'] : 0;
  if (!(seconds > 0 && seconds <= 100 * 365 * 86_400)) throw new InvalidArgumentError('use a whole number and a unit, e.g. 90d, 12h, 30m, 45s (more than 0, at most 100 years)');
  return seconds;
}
