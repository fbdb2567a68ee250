import type { Random } from './random.js';

/** Service names in the order a topology of N services takes them (the gateway always comes first). */
export const SERVICE_NAMES = [
  'api-gateway',
  'auth-service',
  'user-service',
  'order-service',
  'payment-service',
  'inventory-service',
  'search-service',
  'notification-service',
  'cart-service',
  'shipping-service',
] as const;

/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Fewest and most services a topology may have. */
export const MIN_SERVICES = 5;
export const MAX_SERVICES = SERVICE_NAMES.length;

/** The runtime a service is written in; it decides the wording of crashes and exceptions. */
export type Runtime = 'go' | 'java' | 'node' | 'python';

/** Kinds of backing store. */
export type StoreKind = 'postgres' | 'mysql' | 'mongodb' | 'elasticsearch' | 'redis' | 'kafka' | 'rabbitmq';

/** A database, cache or queue a service owns. `tables` are tables, collections, indices, topics or queues. */
export interface Datastore {
  kind: StoreKind;
  name: string;
  host: string;
  ip: string;
  port: number;
  tables: readonly string[];
}

/** A third-party HTTPS API a service calls. */
export interface ExternalApi {
  /** What it is, e.g. `payment provider`. */
  role: string;
  host: string;
  port: number;
}

/** One replica of a service. */
export interface Instance {
  /** Pod name, e.g. `order-service-7d9f6c5b8d-x2k4q`. */
  id: string;
  ip: string;
}

/** A service of the topology with its dependencies and replicas. */
export interface Service {
  name: ServiceName;
  runtime: Runtime;
  port: number;
  db?: Datastore;
  cache?: Datastore;
  queue?: Datastore;
  external?: ExternalApi;
  /** Size of its database connection pool. */
  poolSize: number;
  instances: readonly Instance[];
}

/** The services of one generated system. */
export interface Topology {
  readonly services: ReadonlyMap<ServiceName, Service>;
  has(name: ServiceName): boolean;
  /** Throws when the service is not part of the topology (a flow must check `has` first). */
  get(name: ServiceName): Service;
}

type StoreSpec = Omit<Datastore, 'host' | 'ip'>;

interface ServiceSpec {
  runtime: Runtime;
  port: number;
  db?: StoreSpec;
  cache?: StoreSpec;
  queue?: StoreSpec;
  external?: ExternalApi;
}

const SPECS: Record<ServiceName, ServiceSpec> = {
  'api-gateway': {
    runtime: 'go',
    port: 8080,
    cache: { kind: 'redis', name: 'ratelimit-redis', port: 6379, tables: ['ratelimit'] },
  },
  'auth-service': {
    runtime: 'go',
    port: 9000,
    db: { kind: 'postgres', name: 'auth-db', port: 5432, tables: ['credentials', 'sessions', 'refresh_tokens', 'roles'] },
    cache: { kind: 'redis', name: 'session-redis', port: 6379, tables: ['session', 'token'] },
  },
  'user-service': {
    runtime: 'java',
    port: 8081,
    db: { kind: 'postgres', name: 'users-db', port: 5432, tables: ['users', 'addresses', 'user_preferences'] },
    cache: { kind: 'redis', name: 'user-cache', port: 6379, tables: ['user'] },
  },
  'order-service': {
    runtime: 'java',
    port: 8082,
    db: { kind: 'postgres', name: 'orders-db', port: 5432, tables: ['orders', 'order_items', 'order_status_history'] },
    queue: { kind: 'kafka', name: 'kafka', port: 9092, tables: ['order-events'] },
  },
  'payment-service': {
    runtime: 'java',
    port: 8083,
    db: { kind: 'postgres', name: 'payments-db', port: 5432, tables: ['payments', 'transactions', 'refunds'] },
    queue: { kind: 'rabbitmq', name: 'rabbitmq', port: 5672, tables: ['notifications.email'] },
    external: { role: 'payment provider', host: 'api.stripe.com', port: 443 },
  },
  'inventory-service': {
    runtime: 'go',
    port: 8084,
    db: { kind: 'mysql', name: 'inventory-db', port: 3306, tables: ['stock_levels', 'reservations', 'warehouses'] },
    cache: { kind: 'redis', name: 'inventory-redis', port: 6379, tables: ['stock'] },
  },
  'search-service': {
    runtime: 'python',
    port: 8085,
    db: { kind: 'elasticsearch', name: 'search-es', port: 9200, tables: ['products-v3'] },
    cache: { kind: 'redis', name: 'search-cache', port: 6379, tables: ['search', 'catalog'] },
  },
  'notification-service': {
    runtime: 'node',
    port: 8086,
    db: { kind: 'mongodb', name: 'notifications-db', port: 27017, tables: ['notification_log', 'templates'] },
    queue: { kind: 'rabbitmq', name: 'rabbitmq', port: 5672, tables: ['notifications.email'] },
    external: { role: 'mail relay', host: 'smtp.sendgrid.net', port: 587 },
  },
  'cart-service': {
    runtime: 'node',
    port: 8087,
    db: { kind: 'mongodb', name: 'carts-db', port: 27017, tables: ['carts'] },
    cache: { kind: 'redis', name: 'cart-redis', port: 6379, tables: ['cart'] },
  },
  'shipping-service': {
    runtime: 'python',
    port: 8088,
    db: { kind: 'postgres', name: 'shipping-db', port: 5432, tables: ['shipments', 'tracking_events'] },
    external: { role: 'carrier API', host: 'api-eu.dhl.com', port: 443 },
  },
};

// Kubernetes builds pod names from this alphabet (no vowels, no look-alike digits).
const POD_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Builds a topology. `services` is a count (the first N of {@link SERVICE_NAMES}) or an explicit
 * list (the gateway is added when missing). Replica names, IPs and pool sizes come from `rng`.
 */
export function buildTopology(services: number | readonly ServiceName[], rng: Random): Topology {
  const names: ServiceName[] =
    typeof services === 'number' ? SERVICE_NAMES.slice(0, services) : ['api-gateway', ...services.filter((name) => name !== 'api-gateway')];
  const map = new Map<ServiceName, Service>();
  let subnet = 1;
  for (const name of SERVICE_NAMES) {
    if (!names.includes(name)) continue;
    const spec = SPECS[name];
    const podSubnet = subnet++;
    const hash = rng.chars(POD_ALPHABET, 10);
    const replicas = rng.int(2, 3);
    const instances = Array.from({ length: replicas }, () => ({
      id: `${name}-${hash}-${rng.chars(POD_ALPHABET, 5)}`,
      ip: `10.0.${podSubnet}.${rng.int(2, 250)}`,
    }));
    const store = (s: StoreSpec | undefined): Datastore | undefined =>
      s && { ...s, host: `${s.name}.data.svc.cluster.local`, ip: `10.1.${rng.int(0, 15)}.${rng.int(2, 250)}` };
    const db = store(spec.db);
    const cache = store(spec.cache);
    const queue = store(spec.queue);
    map.set(name, {
      name,
      runtime: spec.runtime,
      port: spec.port,
      ...(db ? { db } : {}),
      ...(cache ? { cache } : {}),
      ...(queue ? { queue } : {}),
      ...(spec.external ? { external: spec.external } : {}),
      poolSize: rng.pick([10, 20, 32, 50]),
      instances,
    });
  }
  return {
    services: map,
    has: (name) => map.has(name),
    get(name) {
      const service = map.get(name);
      if (!service) throw new RangeError(`topology has no ${name}; check has() first`);
      return service;
    },
  };
}
