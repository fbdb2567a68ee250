import type { Span } from './faults.js';
import type { Reply } from './http.js';
import type { RequestBuilder } from './RequestBuilder.js';
import type { ServiceName } from './topology.js';
import type { FlowName } from './types.js';
import { vary } from './variables.js';

/** A kind of request: which services it needs, how common it is, and how it runs. */
export interface Flow {
  name: FlowName;
  /** Relative frequency in traffic. */
  weight: number;
  /** Services without which the flow cannot run (the gateway is implied). */
  requires: readonly ServiceName[];
  run(b: RequestBuilder): void;
}

const ok = (bytes: number, status = 200): Reply => ({ status, bytes });

function login(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const request = { method: 'POST', path: '/api/v1/auth/login' } as const;
  b.root({ ...request, service: 'auth-service' }, (gw) =>
    b.call(gw, 'auth-service', request, (auth) => {
      b.log(auth, 'INFO', 'auth.loginAttempt', { username: vary.username(rng), clientIp: b.clientIp });
      b.db(auth, 'read', 'credentials', { rows: 1, logChance: 0.5 });
      const hashMs = rng.latency(70, 0.2);
      b.pause(hashMs);
      // A mistyped password is everyday traffic: a 401 that is not an anomaly.
      if (rng.chance(0.05)) {
        b.log(auth, 'WARN', 'auth.passwordBad', { userId, attempts: rng.int(1, 4) });
        return ok(96, 401);
      }
      if (rng.chance(0.6)) b.log(auth, 'DEBUG', 'auth.passwordOk', { userId, cost: 12, duration: vary.duration(hashMs) });
      if (rng.chance(0.2)) b.log(auth, 'INFO', 'auth.mfaOk', { userId });
      const sessionId = vary.sessionId(rng);
      b.cacheSet(auth, `session:${sessionId}`, 3600, { critical: true, logChance: 0.2 });
      b.log(auth, 'INFO', 'auth.sessionCreated', { sessionId, userId, ttl: 3600 });
      if (rng.chance(0.4)) b.log(auth, 'DEBUG', 'auth.tokenIssued', { jti: vary.jti(rng), userId, ttl: 900 });
      if (b.topology.has('user-service') && rng.chance(0.6)) {
        b.call(
          auth,
          'user-service',
          { method: 'PUT', path: `/internal/users/${userId}/last-login` },
          (user) => {
            b.db(user, 'update', 'users', { rows: 1, logChance: 0.4 });
            if (rng.chance(0.6)) b.log(user, 'DEBUG', 'user.lastLogin', { userId });
            return ok(0, 204);
          },
          { fallback: () => ok(0, 204), fallbackLabel: { en: 'last-login update skipped', zh: '跳过更新最近登录时间' } },
        );
      }
      b.log(auth, 'INFO', 'auth.loginOk', { userId, duration: b.since(auth) });
      return ok(rng.int(600, 900));
    }),
  );
}

/** Stock of a batch of SKUs, from the inventory cache or database. */
function stockBatch(b: RequestBuilder, inventory: Span, count: number): void {
  const { rng } = b;
  if (!b.cacheGet(inventory, `stock:batch:${rng.hex(8)}`, { hitRate: 0.7, logChance: 0.4, command: 'MGET' })) {
    b.db(inventory, 'read', 'stock_levels', { rows: count, logChance: 0.5 });
  }
  const outOfStock = rng.int(0, Math.min(3, count));
  b.log(inventory, 'INFO', 'inventory.batch', { count, inStock: count - outOfStock, outOfStock });
}

function browseCatalogue(b: RequestBuilder): void {
  const { rng } = b;
  const category = vary.category(rng);
  const page = rng.int(1, 6);
  const pageSize = rng.pick([24, 48]);
  const request = { method: 'GET', path: `/api/v1/products?category=${category}&page=${page}` } as const;
  const auth = rng.chance(0.5) ? { jti: vary.jti(rng), userId: vary.userId(rng) } : undefined;
  b.root({ ...request, service: 'search-service', ...(auth ? { auth } : {}) }, (gw) =>
    b.call(gw, 'search-service', request, (search) => {
      b.log(search, 'INFO', 'catalog.list', { category, page, pageSize });
      const key = `catalog:${category}:p${page}`;
      const count = rng.int(Math.floor(pageSize / 2), pageSize);
      if (!b.cacheGet(search, key, { hitRate: 0.6, logChance: 0.9 })) {
        b.db(search, 'read', 'products-v3', { rows: count, logChance: 0.8, level: 'INFO' });
        b.cacheSet(search, key, 300, { logChance: 0.4 });
      }
      if (b.topology.has('inventory-service') && rng.chance(0.7)) {
        b.call(search, 'inventory-service', { method: 'POST', path: '/internal/stock/batch' }, (inventory) => stockBatch(b, inventory, count), {
          fallback: () => undefined,
          fallbackLabel: { en: 'stock badges hidden', zh: '不显示库存标识' },
        });
      }
      b.log(search, 'INFO', 'catalog.listed', { count, category, duration: b.since(search) });
      return ok(rng.int(8000, 48000));
    }),
  );
}

function search(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const query = vary.query(rng, b.languageOf('search-service'));
  const request = { method: 'GET', path: `/api/v1/search?q=${encodeURIComponent(query)}&limit=${rng.pick([20, 50])}` } as const;
  const auth = rng.chance(0.5) ? { jti: vary.jti(rng), userId } : undefined;
  b.root({ ...request, service: 'search-service', ...(auth ? { auth } : {}) }, (gw) =>
    b.call(gw, 'search-service', request, (svc) => {
      b.log(svc, 'INFO', 'search.received', { query, userId });
      if (rng.chance(0.25)) b.log(svc, 'DEBUG', 'search.expanded', { query, synonyms: rng.int(1, 5) });
      const hits = rng.int(0, 480);
      if (!b.cacheGet(svc, `search:${rng.hex(12)}`, { hitRate: 0.35, logChance: 0.6 })) {
        b.db(svc, 'read', 'products-v3', { rows: hits, logChance: 0.7, level: 'INFO', medianMs: 35 });
      }
      if (b.topology.has('user-service') && rng.chance(0.5)) {
        const signals = b.call(
          svc,
          'user-service',
          { method: 'GET', path: `/internal/users/${userId}/preferences` },
          (user) => {
            if (!b.cacheGet(user, `user:${userId}:prefs`, { hitRate: 0.8, logChance: 0.5 })) b.db(user, 'read', 'user_preferences', { rows: 1, logChance: 0.5 });
            const count = rng.int(3, 40);
            if (rng.chance(0.5)) b.log(user, 'DEBUG', 'user.prefsLoaded', { count, userId });
            return count;
          },
          { fallback: () => 0, fallbackLabel: { en: 'unpersonalised ranking', zh: '使用非个性化排序' } },
        );
        if (signals > 0 && hits > 0) b.log(svc, 'DEBUG', 'search.reranked', { hits: Math.min(hits, 100), count: signals });
      }
      b.log(svc, 'INFO', 'search.done', { query, hits, duration: b.since(svc) });
      return ok(rng.int(2000, 30000));
    }),
  );
}

function placeOrder(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const orderId = vary.orderId(rng);
  const items = rng.int(1, 5);
  const amount = vary.amount(rng);
  const currency = vary.currency(rng);
  const request = { method: 'POST', path: '/api/v1/orders' } as const;
  b.root({ ...request, service: 'order-service', auth: { jti: vary.jti(rng), userId } }, (gw) =>
    b.call(gw, 'order-service', request, (order) => {
      b.authorize(order, { kind: 'role', userId, role: 'orders:write', request });
      b.log(order, 'INFO', 'order.create', { userId, items, amount, currency });
      if (b.topology.has('inventory-service')) {
        b.call(order, 'inventory-service', { method: 'POST', path: '/internal/stock/reservations' }, (inventory) => {
          b.db(inventory, 'update', 'reservations', { rows: items, logChance: 0.3 });
          b.log(inventory, 'INFO', 'inventory.reserved', { qty: rng.int(1, 3), sku: vary.sku(rng), orderId, remaining: rng.int(0, 250), warehouse: vary.warehouse(rng) });
        });
      }
      b.db(order, 'insert', 'orders', { rows: 1, logChance: 0 });
      if (rng.chance(0.5)) b.log(order, 'DEBUG', 'order.persisted', { orderId, items });
      if (b.topology.has('payment-service')) {
        b.call(order, 'payment-service', { method: 'POST', path: '/internal/payments/authorize' }, (payment) => {
          b.log(payment, 'INFO', 'payment.authorizing', { amount, currency, orderId });
          b.external(payment, { method: 'POST', path: '/v1/payment_intents' }, { logChance: 0.4 });
          b.log(payment, 'INFO', 'payment.authorized', { paymentId: vary.paymentId(rng), orderId, authCode: vary.authCode(rng) });
        });
      }
      b.publish(order, 'OrderCreated', orderId, { logChance: 0.5 });
      b.log(order, 'INFO', 'order.created', { orderId, duration: b.since(order) });
      return ok(rng.int(400, 1200), 201);
    }),
  );
}

function checkoutPayment(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const orderId = vary.orderId(rng);
  const amount = vary.amount(rng);
  const currency = vary.currency(rng);
  const paymentId = vary.paymentId(rng);
  const request = { method: 'POST', path: `/api/v1/checkout/${orderId}/pay` } as const;
  b.root({ ...request, service: 'payment-service', auth: { jti: vary.jti(rng), userId } }, (gw) =>
    b.call(gw, 'payment-service', request, (payment) => {
      b.authorize(payment, { kind: 'role', userId, role: 'payments:capture', request });
      b.log(payment, 'INFO', 'payment.capture', { amount, currency, orderId, method: rng.pick(['card', 'paypal', 'apple_pay', 'sepa_debit']) });
      b.db(payment, 'read', 'payments', { rows: 1, logChance: 0.4 });
      if (rng.chance(0.4)) b.log(payment, 'DEBUG', 'payment.fraud', { score: rng.int(1, 60), orderId, threshold: 75 });
      b.external(payment, { method: 'POST', path: `/v1/payment_intents/${paymentId}/capture` }, { logChance: 0.8, level: 'INFO' });
      b.db(payment, 'insert', 'transactions', { rows: 1, logChance: 0 });
      if (rng.chance(0.5)) b.log(payment, 'DEBUG', 'payment.recorded', { txId: vary.txId(rng), paymentId });
      if (b.topology.has('order-service') && rng.chance(0.7)) {
        b.call(payment, 'order-service', { method: 'PATCH', path: `/internal/orders/${orderId}/status` }, (order) => {
          b.db(order, 'update', 'orders', { rows: 1, logChance: 0.3 });
          b.log(order, 'INFO', 'order.statusChanged', { orderId, from: 'PENDING_PAYMENT', to: 'PAID' });
        });
      }
      if (b.topology.has('notification-service')) b.publish(payment, 'ReceiptRequested', orderId, { logChance: 0.5 });
      b.log(payment, 'INFO', 'payment.captured', { paymentId, orderId, duration: b.since(payment) });
      return ok(rng.int(300, 700));
    }),
  );
}

function sendNotification(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const orderId = vary.orderId(rng);
  const template = rng.pick(['order_confirmation', 'shipping_update', 'payment_receipt', 'password_reset']);
  const request = { method: 'POST', path: '/api/v1/notifications/resend' } as const;
  b.root({ ...request, service: 'notification-service', auth: { jti: vary.jti(rng), userId } }, (gw) =>
    b.call(gw, 'notification-service', request, (notif) => {
      b.log(notif, 'INFO', 'notif.request', { template, orderId, userId });
      let locale = vary.locale(rng, b.languageOf(notif.service.name));
      if (b.topology.has('user-service')) {
        locale = b.call(notif, 'user-service', { method: 'GET', path: `/internal/users/${userId}/contact` }, (user) => {
          if (!b.cacheGet(user, `user:${userId}:contact`, { hitRate: 0.7, logChance: 0.5 })) b.db(user, 'read', 'users', { rows: 1, logChance: 0.5 });
          const userLocale = vary.locale(rng, b.languageOf(user.service.name));
          b.log(user, 'DEBUG', 'user.contactLoaded', { userId, email: vary.maskedEmail(rng), locale: userLocale });
          return userLocale;
        });
      }
      b.log(notif, 'DEBUG', 'notif.rendered', { template, locale, bytes: rng.int(3000, 40000) });
      const messageId = b.publish(notif, 'EmailRequested', orderId, { logChance: 0.9 });
      const topic = notif.service.queue?.tables[0] ?? 'notifications.email';
      b.pause(rng.latency(15, 0.8));
      if (rng.chance(0.6)) b.log(notif, 'DEBUG', 'notif.consumed', { messageId, topic, delivery: 1 });
      const smtp = notif.service.external;
      const ms = b.external(notif, { method: 'POST', path: '/smtp' }, { medianMs: 250, logChance: 0 });
      if (smtp) b.log(notif, 'INFO', 'notif.sent', { messageId, host: smtp.host, port: smtp.port, smtpStatus: '250 2.0.0 OK', duration: vary.duration(ms) });
      if (rng.chance(0.5)) b.db(notif, 'insert', 'notification_log', { rows: 1, logChance: 0.5 });
      return ok(64, 202);
    }),
  );
}

function viewProfile(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const request = { method: 'GET', path: `/api/v1/users/${userId}/profile` } as const;
  b.root({ ...request, service: 'user-service', auth: { jti: vary.jti(rng), userId } }, (gw) =>
    b.call(gw, 'user-service', request, (user) => {
      b.log(user, 'INFO', 'user.profileRequest', { userId });
      b.authorize(user, { kind: 'role', userId, role: 'profile:read', request });
      if (!b.cacheGet(user, `user:${userId}:profile`, { hitRate: 0.7, logChance: 1 })) {
        b.db(user, 'read', 'users', { rows: 1, logChance: 0.6 });
        if (rng.chance(0.5)) b.db(user, 'read', 'addresses', { rows: rng.int(0, 3), logChance: 0.5 });
        b.cacheSet(user, `user:${userId}:profile`, 600, { logChance: 0.5 });
      }
      const bytes = rng.int(700, 2400);
      b.log(user, 'INFO', 'user.profileReturned', { userId, bytes, duration: b.since(user) });
      return ok(bytes);
    }),
  );
}

function addToCart(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const sku = vary.sku(rng);
  const qty = rng.int(1, 3);
  const request = { method: 'POST', path: '/api/v1/cart/items' } as const;
  b.root({ ...request, service: 'cart-service', auth: { jti: vary.jti(rng), userId } }, (gw) =>
    b.call(gw, 'cart-service', request, (cart) => {
      b.log(cart, 'INFO', 'cart.add', { qty, sku, userId });
      if (b.topology.has('inventory-service')) {
        b.call(cart, 'inventory-service', { method: 'GET', path: `/internal/stock/${sku}` }, (inventory) => {
          if (!b.cacheGet(inventory, `stock:${sku}`, { hitRate: 0.75, logChance: 0.5 })) b.db(inventory, 'read', 'stock_levels', { rows: 1, logChance: 0.5 });
          if (rng.chance(0.6)) b.log(inventory, 'DEBUG', 'inventory.available', { sku, available: rng.int(1, 400), warehouse: vary.warehouse(rng) });
        });
      }
      const key = `cart:${userId}`;
      const items = rng.int(1, 9);
      b.cacheSet(cart, key, 604800, { critical: true, logChance: 0, command: 'HSET' });
      if (rng.chance(0.6)) b.log(cart, 'DEBUG', 'cart.saved', { key, items, bytes: rng.int(300, 4000) });
      if (rng.chance(0.4)) b.db(cart, 'update', 'carts', { rows: 1, logChance: 0.6 });
      b.log(cart, 'INFO', 'cart.updated', { userId, items, amount: vary.amount(rng), currency: vary.currency(rng) });
      return ok(rng.int(500, 3000));
    }),
  );
}

function trackShipment(b: RequestBuilder): void {
  const { rng } = b;
  const userId = vary.userId(rng);
  const orderId = vary.orderId(rng);
  const trackingNo = vary.trackingNo(rng);
  const request = { method: 'GET', path: `/api/v1/orders/${orderId}/shipment` } as const;
  b.root({ ...request, service: 'shipping-service', auth: { jti: vary.jti(rng), userId } }, (gw) =>
    b.call(gw, 'shipping-service', request, (ship) => {
      b.log(ship, 'INFO', 'ship.lookup', { orderId });
      b.db(ship, 'read', 'shipments', { rows: 1, logChance: 0.6 });
      const status = rng.pick(['IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'PRE_TRANSIT']);
      b.external(ship, { method: 'GET', path: `/track/shipments?trackingNumber=${trackingNo}` }, { medianMs: 220, logChance: 0.5 });
      b.log(ship, 'INFO', 'ship.carrier', { carrier: 'DHL', trackingNo, status });
      if (rng.chance(0.5)) b.db(ship, 'insert', 'tracking_events', { rows: 1, logChance: 0.6 });
      const eta = new Date(b.now + rng.int(1, 4) * 86400000).toISOString().slice(0, 10);
      b.log(ship, 'INFO', 'ship.done', { trackingNo, orderId, status, eta });
      return ok(rng.int(400, 1500));
    }),
  );
}

/** Every flow, with its share of traffic. */
export const FLOWS: readonly Flow[] = [
  { name: 'login', weight: 14, requires: ['auth-service'], run: login },
  { name: 'browse_catalogue', weight: 22, requires: ['search-service'], run: browseCatalogue },
  { name: 'search', weight: 18, requires: ['search-service'], run: search },
  { name: 'place_order', weight: 8, requires: ['order-service'], run: placeOrder },
  { name: 'checkout_payment', weight: 7, requires: ['payment-service'], run: checkoutPayment },
  { name: 'send_notification', weight: 5, requires: ['notification-service'], run: sendNotification },
  { name: 'view_profile', weight: 12, requires: ['user-service'], run: viewProfile },
  { name: 'add_to_cart', weight: 10, requires: ['cart-service'], run: addToCart },
  { name: 'track_shipment', weight: 4, requires: ['shipping-service'], run: trackShipment },
];
