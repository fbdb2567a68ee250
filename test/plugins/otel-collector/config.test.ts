import { describe, expect, it } from 'vitest';
import { forwardConfigSchema } from '../../../src/config/forward.js';
import { receiversConfigSchema } from '../../../src/config/receivers.js';
import { createForwarder } from '../../../plugins/otel-collector/src/createForwarder.js';
import { NoopForwarder, OtlpGrpcForwarder, OtlpHttpForwarder } from '../../../plugins/otel-collector/src/OtlpForwarder.js';

describe('receivers config', () => {
  it('defaults to both OTLP receivers on the standard ports of the loopback interface', () => {
    expect(receiversConfigSchema.parse({})).toEqual({
      http: { enabled: true, host: '127.0.0.1', port: 4318, maxBodyBytes: 4 * 1024 * 1024 },
      grpc: { enabled: true, host: '127.0.0.1', port: 4317, maxMessageBytes: 4 * 1024 * 1024 },
    });
  });

  it('refuses unknown fields and impossible ports', () => {
    expect(receiversConfigSchema.safeParse({ http: { prot: 1 } }).success).toBe(false);
    expect(receiversConfigSchema.safeParse({ grpc: { port: 70_000 } }).success).toBe(false);
  });

  it('describes every field', () => {
    for (const part of [receiversConfigSchema.shape.http, receiversConfigSchema.shape.grpc]) {
      const shape = part.unwrap().shape as Record<string, { description?: string }>;
      for (const [name, field] of Object.entries(shape)) expect(field.description, name).toBeTruthy();
    }
  });
});

describe('forward config', () => {
  it('forwards nothing by default', () => {
    const config = forwardConfigSchema.parse({});
    expect(config.endpoint).toBeUndefined();
    expect(config).toMatchObject({ protocol: 'http', compression: 'none', headers: {}, retry: { initialMs: 100, maxMs: 1_000, maxElapsedMs: 5_000 } });
    expect(createForwarder(config)).toBeInstanceOf(NoopForwarder);
  });

  it('needs an http(s) URL as endpoint', () => {
    expect(forwardConfigSchema.safeParse({ endpoint: 'localhost:4317' }).success).toBe(false);
    expect(forwardConfigSchema.safeParse({ endpoint: 'http://collector:4319' }).success).toBe(true);
  });

  it('creates the forwarder of the configured protocol', async () => {
    const http = createForwarder(forwardConfigSchema.parse({ endpoint: 'http://127.0.0.1:4319' }));
    const grpc = createForwarder(forwardConfigSchema.parse({ endpoint: 'http://127.0.0.1:4317', protocol: 'grpc', headers: { 'x-scope': 'a' } }));
    expect(http).toBeInstanceOf(OtlpHttpForwarder);
    expect((http as OtlpHttpForwarder).target).toBe('http://127.0.0.1:4319/v1/logs');
    expect(grpc).toBeInstanceOf(OtlpGrpcForwarder);
    await http.dispose();
    await grpc.dispose();
  });
});
