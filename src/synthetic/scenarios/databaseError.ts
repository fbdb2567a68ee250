import { vary } from '../variables.js';
import { store, http, type Scenario } from './common.js';

/** The databaseError scenarios: how this category of failure shows up at each kind of site. */
export const DATABASE: Scenario[] = [
  {
    name: 'deadlock',
    kinds: ['db'],
    when: (site) => site.write === true && site.store?.kind !== 'elasticsearch',
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const errors: Record<string, string> = {
        postgres: 'ERROR: deadlock detected (SQLSTATE 40P01)',
        mysql: 'Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction',
        mongodb: 'WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.',
      };
      const error = errors[db.kind] ?? 'deadlock detected';
      const txId = vary.txId(b.rng);
      b.pause(b.rng.int(50, 1000));
      b.log(site.span, 'ERROR', 'db.deadlock', { db: db.name, table, txId, error });
      if (b.rng.chance(0.5)) {
        b.pause(b.rng.pick([50, 100, 200]));
        b.log(site.span, 'WARN', 'db.txRetry', { txId, table, attempt: 2, max: 2 });
        b.pause(b.rng.int(50, 1000));
        b.log(site.span, 'ERROR', 'db.deadlock', { db: db.name, table, txId, error });
        b.log(site.span, 'ERROR', 'db.txGiveUp', { txId, table, attempts: 2 });
      }
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
  {
    name: 'constraint violation',
    kinds: ['db'],
    when: (site) => site.write === true,
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const byKind: Record<string, string[]> = {
        postgres: [
          `ERROR: duplicate key value violates unique constraint "${table}_pkey" (SQLSTATE 23505)`,
          `ERROR: insert or update on table "${table}" violates foreign key constraint "${table}_user_id_fkey" (SQLSTATE 23503)`,
          `ERROR: null value in column "created_at" of relation "${table}" violates not-null constraint (SQLSTATE 23502)`,
          `ERROR: new row for relation "${table}" violates check constraint "${table}_version_check" (SQLSTATE 23514)`,
        ],
        mysql: [
          `Error 1062 (23000): Duplicate entry '${b.rng.int(10000, 99999)}' for key '${table}.PRIMARY'`,
          'Error 1452 (23000): Cannot add or update a child row: a foreign key constraint fails',
        ],
        mongodb: [`E11000 duplicate key error collection: ${db.name.replace(/-/g, '_')}.${table} index: _id_ dup key: { _id: "${b.rng.hex(24)}" }`],
        elasticsearch: [`version_conflict_engine_exception: [${b.rng.hex(20)}]: version conflict, required seqNo [${b.rng.int(100, 999)}], primary term [1]`],
      };
      b.pause(b.rng.int(2, 40));
      b.log(site.span, 'ERROR', 'db.constraint', { db: db.name, table, error: b.rng.pick(byKind[db.kind] ?? ['constraint violation']) });
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
  {
    name: 'too many connections',
    kinds: ['db'],
    when: (site) => site.store?.kind === 'postgres' || site.store?.kind === 'mysql',
    run(b, site) {
      const db = store(site);
      const error =
        db.kind === 'mysql'
          ? 'Error 1040 (08004): Too many connections'
          : b.rng.pick([
              'FATAL: sorry, too many clients already (SQLSTATE 53300)',
              'FATAL: remaining connection slots are reserved for non-replication superuser connections (SQLSTATE 53300)',
            ]);
      b.pause(b.rng.int(2, 20));
      b.log(site.span, 'ERROR', 'db.tooManyConnections', { db: db.name, error });
      return { status: 503, error: http(503), loggedBy: site.span };
    },
  },
  {
    name: 'query failed',
    kinds: ['db'],
    run(b, site) {
      const db = store(site);
      const table = site.object ?? '';
      const byKind: Record<string, string[]> = {
        postgres: [
          `ERROR: relation "${table}" does not exist (SQLSTATE 42P01)`,
          `ERROR: column "${table === 'orders' ? 'shipping_zone' : 'updated_by'}" does not exist (SQLSTATE 42703)`,
          // After a failover the service may still point at a replica, which only refuses writes.
          site.write ? `ERROR: cannot execute ${site.op ?? 'UPDATE'} in a read-only transaction (SQLSTATE 25006)` : 'ERROR: invalid input syntax for type uuid: "undefined" (SQLSTATE 22P02)',
          'ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)',
          'ERROR: canceling statement due to conflict with recovery (SQLSTATE 40001)',
        ],
        mysql: [
          `Error 1146 (42S02): Table 'inventory.${table}' doesn't exist`,
          "Error 1054 (42S22): Unknown column 'reserved_qty' in 'field list'",
          site.write
            ? 'Error 1290 (HY000): The MySQL server is running with the --read-only option so it cannot execute this statement'
            : "Error 1054 (42S22): Unknown column 'warehouse_code' in 'where clause'",
        ],
        mongodb: ['MongoServerError: not primary and secondaryOk=false', 'MongoServerError: Document failed validation'],
        elasticsearch: [
          'search_phase_execution_exception: all shards failed',
          `index_not_found_exception: no such index [${table}]`,
          'search_phase_execution_exception: [query_shard_exception] failed to create query: For input string: "null"',
        ],
      };
      b.pause(b.rng.int(2, 60));
      b.log(site.span, 'ERROR', 'db.queryFailed', { db: db.name, table, error: b.rng.pick(byKind[db.kind] ?? ['query failed']) });
      return { status: 500, error: http(500), loggedBy: site.span };
    },
  },
];
