// Types of incus-host.mjs for the TypeScript that uses it (the test cluster harness).
export function incusSettings(env?: NodeJS.ProcessEnv): {
  pool: string;
  poolSize: string;
  network: string;
  subnet: string;
};
export function labBridgeConfig(subnet: string): Record<string, string>;
export function incusAlias(dockerTag: string): string;
export function ensureIncus(dataDir: string, sandboxTag: string): Promise<string>;
