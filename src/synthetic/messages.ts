/**
 * English message templates, keyed by event. `{name}` is a variable filled at render time; the
 * Chinese catalogue (`messages.zh.ts`) has the same keys and the same variables. Error strings
 * passed in `{error}` come from libraries and drivers and stay in English in both languages, as
 * they do in real logs.
 */
export const MESSAGES_EN = {
  'gw.request': 'Incoming request {method} {path} from {clientIp}',
  'gw.rateLimit': 'Rate limit check for {clientIp}: {used}/{limit} requests this minute',
  'gw.rateLimitFailOpen': 'Rate limiter unavailable ({error}), allowing request from {clientIp}',
  'gw.route': 'Routing {method} {path} to {service} at {instance}:{port}',
  'gw.tokenRejected': 'Rejected {method} {path}: {reason}',
  'gw.upstreamTimeout': 'Upstream {service} did not answer {method} {path} within {timeout}ms (upstream request timeout)',
  'gw.upstreamReset': 'Upstream {service} ({ip}:{port}) closed the connection: {error}',
  'gw.badGateway': 'Invalid response from upstream {service} for {method} {path}: {error}',
  'gw.response': '{method} {path} completed with status {status} in {duration} ({bytes} bytes)',
  'gw.responseError': '{method} {path} failed with status {status} {statusText} in {duration} (upstream {service})',
  'gw.responseDenied': '{method} {path} rejected with status {status} {statusText} in {duration}',

  'call.out': 'Calling {target} {method} {path}',
  'call.retry': 'Request to {target} failed ({error}), retrying in {backoff}ms (attempt {attempt}/{max})',
  'call.retryOk': 'Request to {target} succeeded on retry {attempt}/{max}',
  'call.failed': 'Call to {target} {method} {path} failed after {duration}: {error}',
  'call.badStatus': '{target} answered {method} {path} with {status} {statusText} after {duration}',
  'call.timeout': 'Request to {target} {method} {path} timed out after {timeout}ms',
  'call.deadline': '{method} {path} on {target} aborted after {duration}: context deadline exceeded',
  'call.connectFailed': 'Cannot connect to {target} at {ip}:{port}: {error}',
  'call.giveUp': 'Giving up on {target} after {attempts} attempts: {error}',
  'call.circuitOpen': 'Circuit breaker for {target} is OPEN ({failures}/{threshold} failures in the last {window}s), call rejected',
  'call.fallback': '{target} unavailable, serving fallback ({fallback})',
  'call.unauthorized': '{target} rejected {method} {path} with {status} {statusText}: {error}',

  'svc.slow': 'Handler {method} {path} still running after {duration}, waiting on {dependency}',
  'svc.unhandled': 'Unhandled exception in {method} {path}: {error}',
  'svc.requestFailed': 'Request {method} {path} failed with {status} after {duration}',
  'svc.overloaded': 'Shedding load: rejecting {method} {path} with {inflight} requests in flight (limit {limit})',

  'db.query': '{op} on {db}.{table} completed in {duration} (rows={rows})',
  'db.slowQuery': 'Slow query on {db}.{table}: {op} took {duration} (threshold {threshold}ms)',
  'db.timeout': 'Query on {db}.{table} timed out after {timeout}ms: {error}',
  'db.connectTimeout': 'Connection to database {db} timed out ({timeout}ms)',
  'db.connectFailed': 'Failed to connect to {db} at {host}:{port}: {error}',
  'db.deadlock': 'Deadlock detected while updating {db}.{table}, transaction {txId} rolled back: {error}',
  'db.txRetry': 'Retrying transaction {txId} on {table} (attempt {attempt}/{max})',
  'db.txGiveUp': 'Transaction {txId} on {table} failed after {attempts} attempts',
  'db.constraint': 'Failed to write {db}.{table}: {error}',
  'db.tooManyConnections': 'Database {db} refused a new connection: {error}',
  'db.queryFailed': 'Query on {db}.{table} failed: {error}',
  'db.permissionDenied': 'Access to {db}.{table} denied for role {role}: {error}',
  'db.poolExhausted': 'Connection pool for {db} exhausted ({active}/{size} in use, {waiting} waiting): {error}',

  'cache.hit': 'Cache hit for {key} ({bytes} bytes)',
  'cache.miss': 'Cache miss for {key}',
  'cache.set': 'Cached {key} for {ttl}s ({bytes} bytes)',
  'cache.error': 'Redis {command} {key} on {cache} failed: {error}',
  'cache.fallback': 'Cache {cache} unavailable, reading {key} from {db} instead',

  'queue.published': 'Published {event} to {topic} (partition {partition}, offset {offset})',
  'queue.enqueued': 'Enqueued {event} {messageId} on {topic}',
  'queue.failed': 'Failed to publish {event} to {topic}: {error}',
  'queue.outbox': 'Stored {event} for {entity} in the outbox, delivery will be retried',

  'http.outbound': '{method} https://{host}{path} -> {status} in {duration}',
  'external.timeout': '{method} https://{host}{path} failed: read timed out after {timeout}ms',
  'external.connectFailed': 'Connection to {host}:{port} failed: {error}',
  'external.tlsFailed': 'TLS handshake with {host}:{port} failed: {error}',
  'external.dnsFailed': 'DNS lookup for {host} failed: {error}',
  'external.unauthorized': '{host} rejected our credentials: {status} {error}',

  'res.oom': 'Out of memory while handling {method} {path}: {error}',
  'res.heapHigh': 'Heap usage at {pct}% ({used}MB/{max}MB) after full GC',
  'res.threadPool': 'Worker pool exhausted ({active}/{max} busy, queue {queued}/{queueMax}), rejecting {method} {path}',
  'res.fd': 'Cannot open {what}: {error} ({open}/{limit} file descriptors in use)',
  'res.diskFull': 'Failed to write {file}: {error} ({mount} {pct}% full)',

  'authz.denied': 'Access denied: subject {subject} lacks role {role} required for {method} {path}',
  'authz.tokenExpired': 'Token {jti} of user {userId} expired at {expiredAt}',
  'authz.tokenRevoked': 'Token {jti} of user {userId} was revoked at {expiredAt}',
  'authz.serviceDenied': 'Service account {caller} is not allowed to call {method} {path} (missing scope {scope})',
  'authz.secretDenied': 'Cannot read secret {file}: {error}',

  'auth.tokenValid': 'Token {jti} valid for user {userId} (scopes {scopes}, expires in {ttl}s)',
  'auth.loginAttempt': 'Login attempt for {username} from {clientIp}',
  'auth.passwordOk': 'Password verified for user {userId} (bcrypt cost {cost}, {duration})',
  'auth.passwordBad': 'Invalid password for user {userId} ({attempts} failed attempts in the last 15 minutes)',
  'auth.mfaOk': 'TOTP code accepted for user {userId}',
  'auth.sessionCreated': 'Session {sessionId} created for user {userId}, ttl {ttl}s',
  'auth.tokenIssued': 'Issued access token {jti} for user {userId} (expires in {ttl}s)',
  'auth.loginOk': 'User {userId} logged in successfully in {duration}',

  'user.lastLogin': 'Updated last_login_at of user {userId}',
  'user.profileRequest': 'Fetching profile of user {userId}',
  'user.profileReturned': 'Returned profile of user {userId} ({bytes} bytes) in {duration}',
  'user.prefsLoaded': 'Loaded {count} preference signals for user {userId}',
  'user.contactLoaded': 'Loaded contact details of user {userId} (email {email}, locale {locale})',

  'catalog.list': 'Listing products in category {category}, page {page} (size {pageSize})',
  'catalog.listed': 'Returning {count} products for category {category} in {duration}',
  'search.received': 'Search "{query}" from user {userId}',
  'search.expanded': 'Expanded query "{query}" with {synonyms} synonyms',
  'search.reranked': 'Re-ranked {hits} results with {count} personalisation signals',
  'search.done': 'Search "{query}" returned {hits} results in {duration}',

  'inventory.batch': 'Stock lookup for {count} SKUs: {inStock} in stock, {outOfStock} out of stock',
  'inventory.reserved': 'Reserved {qty} x {sku} for order {orderId} ({remaining} left in {warehouse})',
  'inventory.available': '{sku}: {available} units available in {warehouse}',

  'order.create': 'Creating order for user {userId}: {items} items, total {amount} {currency}',
  'order.persisted': 'Inserted order {orderId} with {items} order_items rows',
  'order.created': 'Order {orderId} created in {duration}',
  'order.statusChanged': 'Order {orderId} status {from} -> {to}',

  'payment.authorizing': 'Authorizing {amount} {currency} for order {orderId}',
  'payment.authorized': 'Payment {paymentId} authorized for order {orderId} (auth code {authCode})',
  'payment.capture': 'Capturing {amount} {currency} for order {orderId} via {method}',
  'payment.fraud': 'Fraud score {score} for order {orderId} (threshold {threshold})',
  'payment.recorded': 'Recorded transaction {txId} for payment {paymentId}',
  'payment.captured': 'Payment {paymentId} captured for order {orderId} in {duration}',

  'notif.request': 'Resending {template} notification for order {orderId} to user {userId}',
  'notif.rendered': 'Rendered template {template} ({locale}, {bytes} bytes)',
  'notif.consumed': 'Picked up {messageId} from {topic} (delivery {delivery})',
  'notif.sent': 'Email {messageId} accepted by {host}:{port} ({smtpStatus}) in {duration}',

  'cart.add': 'Adding {qty} x {sku} to cart of user {userId}',
  'cart.saved': 'Saved {key} ({items} items, {bytes} bytes)',
  'cart.updated': 'Cart of user {userId} now holds {items} items, subtotal {amount} {currency}',

  'ship.lookup': 'Looking up shipment for order {orderId}',
  'ship.carrier': 'Carrier {carrier} reports {trackingNo} as {status}',
  'ship.done': 'Shipment {trackingNo} for order {orderId}: {status}, ETA {eta}',

  'decoy.timeoutConfigured': 'HTTP client for {target} ready: connect timeout {connectTimeout}ms, request timeout configured to {timeoutS}s',
  'decoy.circuitClosed': 'Circuit breaker for {target} is CLOSED ({failures}/{threshold} failures in the last {window}s)',
  'decoy.retryPolicy': 'Retry policy for {target}: max {max} attempts, backoff {backoff}ms; no retry needed',
  'decoy.poolWarmed': 'Connection pool for {db} warmed up: {size}/{size} connections ready',
  'decoy.idleClosed': 'Closed idle connection to {db} ({host}:{port}) after {idle}s idle timeout',
  'decoy.permissionPassed': 'Permission check passed: {subject} has role {role} on {resource}',
  'decoy.cacheStats': 'Cache {cache} hit ratio {ratio}% over the last minute, 0 errors',
  'decoy.cacheMiss': 'Cache miss for {key} (expected after deploy), warming from {db}',
  'decoy.heapOk': 'Heap usage {used}MB/{max}MB ({pct}%), below the {limit}% alert threshold',
  'decoy.diskOk': 'Disk usage on {mount} is {pct}%, no cleanup needed',
  'decoy.noErrors': 'Processed {count} items with 0 errors, 0 failures',
  'decoy.tokenRefreshed': 'Access token of user {userId} expired, refreshed silently with refresh token {jti}',
  'decoy.tlsOk': 'TLS session with {host} resumed (TLSv1.3), certificate valid for {days} more days',
  'decoy.queueLag': 'Consumer lag on {topic} is {lag} messages, below the {threshold} alert threshold',
} as const satisfies Record<string, string>;

/** Key of a message template. */
export type MessageKey = keyof typeof MESSAGES_EN;

/** A message catalogue: one template per key. */
export type MessageCatalog = Record<MessageKey, string>;
