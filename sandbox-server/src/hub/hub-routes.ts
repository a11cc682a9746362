import type { HubCredentials, HubRepository, OwnRepositories } from '../../../engine/src/contract.ts';
import type { HubAccount } from './hub-accounts.ts';
import { forbidden, notFound } from '../http/api-error.ts';
import type { HubCatalog } from './hub-catalog.ts';
import type { HubQuota } from './hub-quota.ts';
import { REPOSITORY_NAME } from './registry-token.ts';
import { SEGMENT, bearerToken, json, type Route } from '../http/http-routing.ts';
import { hubPath, type ImageManifest } from '../runtime/image-manifest.ts';
import type { SessionManager } from '../sessions/session-manager.ts';

/** The registry name learners type nothing for: the lab hub answers as Docker Hub. */
export const HUB_REGISTRY_NAME = 'docker.io';

/** Endpoints of the Hub panel and page: the learner's credentials, repositories and the library. */
export function hubRoutes(ctx: {
  sessions: SessionManager;
  /** The hub account of a live session (the learner's). */
  accountOf: (sessionId: string) => HubAccount;
  catalog: HubCatalog;
  quota: HubQuota;
  library: () => ImageManifest['library'];
}): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/hub$`),
      handler: async (req, res, [id]) => {
        ctx.sessions.authorize(id!, bearerToken(req));
        const account = ctx.accountOf(id!);
        json(res, 200, {
          registry: HUB_REGISTRY_NAME,
          username: account.username,
          password: account.password,
        } satisfies HubCredentials);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/hub/repositories$`),
      handler: async (req, res, [id]) => {
        ctx.sessions.authorize(id!, bearerToken(req));
        const { username } = ctx.accountOf(id!);
        const [repositories, usedBytes] = await Promise.all([
          ctx.catalog.namespace(username),
          ctx.quota.used(username, id!),
        ]);
        const own: OwnRepositories = {
          username,
          repositories,
          usedBytes,
          quotaBytes: ctx.quota.limitBytes ?? null,
        };
        json(res, 200, own);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/hub/repositories/(${REPOSITORY_NAME})$`),
      handler: async (req, res, [id, name]) => {
        ctx.sessions.authorize(id!, bearerToken(req));
        const { username } = ctx.accountOf(id!);
        if (!name!.startsWith(`${username}/`))
          throw forbidden(`You can only delete repositories of your own namespace, ${username}/.`);
        if (!(await ctx.catalog.deleteRepository(name!))) throw notFound(`You have no repository "${name}".`);
        ctx.quota.forget(username);
        json(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/hub\/library$/,
      handler: async (_req, res) => {
        const library = ctx.library();
        const names = Object.keys(library).sort();
        const repositories = await Promise.all(
          names.map(async (name): Promise<HubRepository> => {
            const entry = library[name]!;
            const repo = await ctx.catalog.repository(hubPath(name));
            return {
              name,
              description: entry.description ?? '',
              tags: repo.tags,
            };
          }),
        );
        json(res, 200, { repositories });
      },
    },
  ];
}
