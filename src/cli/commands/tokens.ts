import { Command, Option } from 'commander';
import { createIncidentStore, ROLES, type IncidentStore, type Role, type TokenInfo } from '../../incidents/index.js';
import { InputError } from '../../util/errors.js';
import { configFor } from '../context.js';

/** Opens the configured incident store for one command and closes it afterwards. */
async function withStore<T>(cmd: Command, body: (store: IncidentStore) => Promise<T>): Promise<T> {
  const config = configFor(cmd);
  const store = await createIncidentStore({ ...config.store, dataDir: config.service.dataDir });
  try {
    return await body(store);
  } finally {
    await store.dispose();
  }
}

/** A time for the table: ISO 8601 in UTC to the second, or `-`. */
function when(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// A token name is free text: control characters would let it rewrite the terminal.
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Tokens as an aligned text table: id, name, role, created, last used, revoked. */
export function formatTokenTable(tokens: readonly TokenInfo[]): string {
  const rows = [['id', 'name', 'role', 'created', 'last used', 'revoked'], ...tokens.map((t) => [t.id, printable(t.name), t.role, when(t.createdAt), when(t.lastUsedAt), when(t.revokedAt)])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n')}\n`;
}

/** `logtriage tokens create|list|revoke`: the API tokens of the explanation API and the review page. */
export function tokensCommand(): Command {
  const command = new Command('tokens').description('create, list and revoke API tokens (without any, the API answers only on loopback)');
  command
    .command('create')
    .description('create a token; it is printed once, on standard output, and only its hash is kept')
    .requiredOption('--name <name>', 'who or what uses it; recorded as the reviewer of its reviews')
    .addOption(new Option('--role <role>', 'viewer reads; reviewer also reviews; admin also reads the audit log').choices(ROLES).makeOptionMandatory())
    .action(async (options: { name: string; role: Role }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const { token, info } = await store.createToken(options.name, options.role);
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `created token ${info.id} "${printable(info.name)}" with role ${info.role}.\n` +
            'Store it now, e.g. in a secret manager: it is shown only this once and cannot be recovered (only its hash is kept). ' +
            'Clients send it as `Authorization: Bearer <token>`; from now on the API requires a token on every call.\n',
        );
      });
    });
  command
    .command('list')
    .description('list tokens: id, name, role, created, last used, revoked (never the tokens themselves)')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const tokens = await store.listTokens();
        if (options.json) process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        else if (tokens.length === 0) process.stdout.write('no API tokens; create one with `logtriage tokens create --name <name> --role <viewer|reviewer|admin>`\n');
        else process.stdout.write(formatTokenTable(tokens));
      });
    });
  command
    .command('revoke')
    .description('revoke a token for good; calls with it are refused from then on')
    .argument('<id>', 'a token id from `logtriage tokens list` (tok_…)')
    .action(async (id: string, _: unknown, cmd: Command) => {
      await withStore(cmd, async (store) => {
        if (!(await store.revokeToken(id))) throw new InputError(`no token with id ${JSON.stringify(id)}; \`logtriage tokens list\` shows the ids`);
        process.stdout.write(`revoked ${id}\n`);
        if (!(await store.hasTokens())) {
          process.stderr.write('no unrevoked token is left: the API runs without tokens again, and only on loopback (api.host 127.0.0.1).\n');
        }
      });
    });
  return command;
}
