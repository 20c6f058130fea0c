import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serverPerTest, token } from './ws-test-kit.js';

const fx = serverPerTest();

/** A throwaway self-signed certificate for 127.0.0.1 (openssl). */
function selfSigned(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
}

describe('optional TLS (issue 11, item 9)', () => {
  it('serves https and wss with the given certificate', async () => {
    const tls = selfSigned();
    const s = await fx.start({ tls });
    expect(s.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s.wsUrl).toMatch(/^wss:\/\//);
    const health = await new Promise<{ status: number; body: string }>((resolve, reject) =>
      get(`${s.httpUrl}/health`, { ca: tls.cert }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject),
    );
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const feed = new WebSocket(`${s.wsUrl}/v1/feed`, { ca: tls.cert, headers: { authorization: `Bearer ${token('viewer')}` } });
    const [data] = await once(feed, 'message');
    expect(JSON.parse(data.toString()).type).toBe('snapshot');
    feed.close();
    // a client that does not trust the certificate gets no socket
    const untrusting = new WebSocket(`${s.wsUrl}/v1/feed`, { headers: { authorization: `Bearer ${token('viewer')}` } });
    const [err] = await once(untrusting, 'error');
    expect(String((err as Error).message)).toMatch(/self[- ]signed|certificate/i);
  });
});
