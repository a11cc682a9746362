import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { originAllowed } from './http/server.ts';

describe('configuration', () => {
  it('has sane defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.sandbox).toEqual({
      memoryBytes: 1024 ** 3,
      nanoCpus: 1e9,
      pidsLimit: 1024,
      diskBytes: 10 * 1024 ** 3,
    });
    expect(c.runtime).toBe('incus');
    expect(c.incus).toEqual({
      pool: 'dockyard',
      network: 'dybr0',
      subnet: '10.213.0.1/22',
      socket: '/var/lib/incus/unix.socket',
      memberSubnets: {},
    });
    expect(c.sessionIdleMs).toBe(30 * 60_000);
    expect(c.sessionIdleBusyMs).toBe(10 * 60_000);
  });

  it("reads each cluster member's share of the lab subnet, and refuses one outside it", () => {
    expect(
      loadConfig({ DOCKYARD_INCUS_MEMBER_SUBNETS: 'm1=10.213.0.0/24,m2=10.213.1.0/24' }).incus.memberSubnets,
    ).toEqual({ m1: '10.213.0.0/24', m2: '10.213.1.0/24' });
    expect(() => loadConfig({ DOCKYARD_INCUS_MEMBER_SUBNETS: 'm2=10.9.0.0/24' })).toThrow(
      /m2's 10.9.0.0\/24 is not inside the lab subnet 10.213.0.1\/22/,
    );
  });

  it('reads the shorter idle timeout that applies while people wait for a machine', () => {
    expect(loadConfig({ DOCKYARD_SESSION_IDLE_MINUTES_BUSY: '5' }).sessionIdleBusyMs).toBe(5 * 60_000);
    expect(() => loadConfig({ DOCKYARD_SESSION_IDLE_MINUTES_BUSY: 'soon' })).toThrow(
      /DOCKYARD_SESSION_IDLE_MINUTES_BUSY must be/,
    );
  });

  it('reads sizes and rejects nonsense with the variable name', () => {
    expect(loadConfig({ DOCKYARD_SANDBOX_DISK: '10GiB' }).sandbox.diskBytes).toBe(10 * 1024 ** 3);
    expect(loadConfig({ DOCKYARD_HUB_QUOTA: '2G' }).hub.quotaBytes).toBe(2 * 1024 ** 3);
    expect(
      loadConfig({ DOCKYARD_SANDBOX_MEMORY: '768m', DOCKYARD_SANDBOX_CPUS: '1.5' }).sandbox,
    ).toMatchObject({
      memoryBytes: 768 * 1024 ** 2,
      nanoCpus: 1.5e9,
    });
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be/);
    expect(() => loadConfig({ DOCKYARD_SANDBOX_MEMORY: 'lots' })).toThrow(
      '"lots" is not a size (try 512m or 1g).',
    );
    expect(() => loadConfig({ DOCKYARD_INCUS_REMOTE: 'https://m1:8443' })).toThrow(
      /DOCKYARD_INCUS_REMOTE must be "local" or the path of an Incus member's unix socket/,
    );
    expect(loadConfig({ DOCKYARD_INCUS_REMOTE: '/var/lib/m1/unix.socket' }).incus.socket).toBe(
      '/var/lib/m1/unix.socket',
    );
  });

  it('gives previews origins of their own on localhost, or under a configured domain', () => {
    expect(loadConfig({}).previewDomain).toBe('auto');
    expect(loadConfig({ DOCKYARD_PREVIEW_DOMAIN: '*.Preview.Example.com' }).previewDomain).toBe(
      'preview.example.com',
    );
    expect(loadConfig({ DOCKYARD_PREVIEW_DOMAIN: 'off' }).previewDomain).toBe('off');
    expect(() => loadConfig({ DOCKYARD_PREVIEW_DOMAIN: 'http://x' })).toThrow(
      /DOCKYARD_PREVIEW_DOMAIN must be/,
    );
  });

  it('runs the hub offline unless an upstream registry URL is given', () => {
    expect(loadConfig({}).hub.upstream).toBeUndefined();
    expect(loadConfig({ DOCKYARD_HUB_UPSTREAM: 'off' }).hub.upstream).toBeUndefined();
    expect(
      loadConfig({
        DOCKYARD_HUB_UPSTREAM: 'https://registry-1.docker.io/',
        DOCKYARD_HUB_UPSTREAM_USERNAME: 'me',
        DOCKYARD_HUB_UPSTREAM_PASSWORD: 'pat',
      }).hub.upstream,
    ).toEqual({ url: 'https://registry-1.docker.io', username: 'me', password: 'pat' });
    expect(loadConfig({}).hub.quotaBytes).toBe(2 * 1024 ** 3);
    expect(loadConfig({ DOCKYARD_HUB_QUOTA: '500m' }).hub.quotaBytes).toBe(500 * 1024 ** 2);
    expect(loadConfig({ DOCKYARD_HUB_QUOTA: 'off' }).hub.quotaBytes).toBeUndefined();
    expect(() => loadConfig({ DOCKYARD_HUB_UPSTREAM: 'docker hub' })).toThrow(
      /DOCKYARD_HUB_UPSTREAM must be/,
    );
    expect(() => loadConfig({ DOCKYARD_HUB_UPSTREAM: 'ftp://mirror.example' })).toThrow(/http\(s\)/);
  });
});

describe('originAllowed', () => {
  it('accepts no origin, the same host, and configured origins only', () => {
    expect(originAllowed(undefined, 'localhost:8080', [])).toBe(true);
    expect(originAllowed('http://localhost:8080', 'localhost:8080', [])).toBe(true);
    expect(originAllowed('http://evil.example', 'localhost:8080', [])).toBe(false);
    expect(originAllowed('https://course.example', 'internal:8080', ['https://course.example'])).toBe(true);
    expect(originAllowed('garbage', 'localhost:8080', [])).toBe(false);
  });
});

describe('the runtime setting', () => {
  it('takes docker or incus and refuses anything else in one sentence', () => {
    expect(loadConfig({ DOCKYARD_RUNTIME: 'docker' }).runtime).toBe('docker');
    expect(() => loadConfig({ DOCKYARD_RUNTIME: 'gvisor' })).toThrow(
      'DOCKYARD_RUNTIME must be incus or docker, got "gvisor".',
    );
    expect(loadConfig({ DOCKYARD_SANDBOX_DISK: '5g' }).sandbox.diskBytes).toBe(5 * 1024 ** 3);
  });
});
