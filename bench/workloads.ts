import type autocannon from 'autocannon';
import { ALIASES, KINDS, TEAMS, modelName, random, type SeedParams } from './dataset';
import type { BenchKeys } from './keys';
import type { WorkloadName } from './options';

/** One GraphQL request the probe sends alone, to read its exact SQL statement count. */
export interface Probe {
  body: string;
  token: string;
  /** Returns what is wrong with the response data, or null when it is what the seed implies. */
  check?(data: Record<string, unknown>): string | null;
}

export interface Workload {
  /** e.g. dashboard-20 */
  name: string;
  family: WorkloadName;
  /** The token sent with requests that set none of their own. */
  token: string;
  /** The sequence each connection loops over. */
  requests: autocannon.Request[];
  probes: Probe[];
  /** Fewer connections than asked for, when more would only queue. */
  maxConnections?: number;
  /** Called between warm-up and the measured run. */
  reset?(): void;
  /** Workload-specific counts of the measured run. */
  extra?(): Record<string, number>;
  /** Called once the gateway runs, before probes and warm-up (e.g. to connect subscribers). */
  prepare?(url: string): Promise<void>;
  /** Called after the measured run. */
  finish?(): Promise<void>;
}

const json = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

export const DASHBOARD = `query Dashboard($first: Int!) {
  registeredModels(first: $first) {
    totalCount
    edges { node {
      name
      tags { key value }
      aliases { alias version { version } }
      latestVersions { version stage metrics { key value } tags { key value } }
      versions(first: 5) { totalCount edges { node { version stage } } }
    } }
  }
}`;

export const LOOKUP = `query LookupByAlias($name: String!, $alias: String!) {
  modelVersion(name: $name, alias: $alias) { id version stage status source runId metrics { key value } tags { key value } }
}`;

export const SEARCH = `query Search($filter: RegisteredModelFilter!) {
  registeredModels(filter: $filter, first: 20) {
    totalCount
    edges { node { name description tags { key value } latestVersions(stages: [PRODUCTION]) { version } } }
  }
}`;

const REQUEST = `mutation RequestTransition($input: RequestStageTransitionInput!) {
  requestStageTransition(input: $input) { transitionRequest { id status toStage } }
}`;

const APPROVE = `mutation ApproveTransition($input: DecideTransitionRequestInput!) {
  approveTransitionRequest(input: $input) { transitionRequest { id status toStage modelVersion { version stage } } }
}`;

const IDLE = JSON.stringify({ query: 'query Idle { viewer { name } }' });

type Connection<T> = { edges: { node: T }[]; totalCount: number };

export function dashboard(first: number, params: SeedParams, keys: BenchKeys): Workload {
  const expected = Math.min(first, params.models);
  return {
    name: `dashboard-${first}`,
    family: 'dashboard',
    token: keys.viewer,
    requests: [{ method: 'POST', path: '/graphql', body: json(DASHBOARD, { first }) }],
    probes: [
      {
        body: json(DASHBOARD, { first }),
        token: keys.viewer,
        check(data) {
          const page = data.registeredModels as Connection<{ latestVersions: unknown[]; versions: Connection<unknown> }>;
          if (page.totalCount < params.models) return `totalCount ${page.totalCount}, seeded ${params.models}`;
          if (page.edges.length !== expected) return `${page.edges.length} models on the page, expected ${expected}`;
          const first = page.edges[0]?.node;
          if (first && first.versions.edges.length !== Math.min(5, params.versions))
            return `${first.versions.edges.length} versions on the first model`;
          return null;
        },
      },
    ],
  };
}

export function lookup(params: SeedParams, keys: BenchKeys): Workload {
  const rnd = random(7);
  const body = () =>
    json(LOOKUP, { name: modelName(Math.floor(rnd() * params.models)), alias: ALIASES[Math.floor(rnd() * ALIASES.length)] });
  return {
    name: 'lookup',
    family: 'lookup',
    token: keys.viewer,
    requests: [{ method: 'POST', path: '/graphql', setupRequest: (req) => ({ ...req, body: body() }) }],
    probes: [0, 1, 2].map(() => ({
      body: body(),
      token: keys.viewer,
      check: (data) => (data.modelVersion ? null : 'an alias of a seeded model looked up as null'),
    })),
  };
}

export function search(keys: BenchKeys): Workload {
  const rnd = random(11);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
  const body = () => json(SEARCH, { filter: { nameContains: pick(KINDS), tags: [{ key: 'team', value: pick(TEAMS) }] } });
  return {
    name: 'search',
    family: 'search',
    token: keys.viewer,
    requests: [{ method: 'POST', path: '/graphql', setupRequest: (req) => ({ ...req, body: body() }) }],
    probes: [0, 1, 2].map(() => ({ body: body(), token: keys.viewer })),
  };
}

/** A version the approval bots may move: its stage as last seen, and no request of theirs pending. */
export interface PoolVersion {
  name: string;
  version: number;
  stage: string;
}

/**
 * Approval bots: each flow is two requests on one connection. A contributor asks to move a
 * version (STAGING -> PRODUCTION, anything else -> STAGING), then an approver (never the
 * requester) approves. A version is used by one flow at a time, so flows never collide.
 */
export function approve(pool: PoolVersion[], keys: BenchKeys): Workload {
  const free = [...pool];
  let flow = 0;
  const counts = { approved: 0, requestErrors: 0, approveErrors: 0, idle: 0 };
  // SQL statements of each step, from the x-sql-statements header.
  const sql = { request: 0, requests: 0, approve: 0, approvals: 0 };
  const statementsOf = (headers: Record<string, string | string[]>) => Number(headers['x-sql-statements']) || 0;
  const bearer = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
  type Ctx = { item?: PoolVersion; target?: string; bot?: number; requestId?: string | null; idle?: boolean };

  const settle = (body: string, field: string): { id: string; status: string } | null => {
    try {
      const parsed = JSON.parse(body) as {
        data?: Record<string, { transitionRequest: { id: string; status: string } } | null>;
        errors?: unknown[];
      };
      const request = parsed.data?.[field]?.transitionRequest;
      return !parsed.errors?.length && request ? request : null;
    } catch {
      return null;
    }
  };

  return {
    name: 'approve',
    family: 'approve',
    token: keys.viewer,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest(req, context) {
          const ctx = context as Ctx;
          const item = free.shift();
          const bot = flow++ % keys.contributors.length;
          if (!item) {
            // Every version is busy: keep the connection alive without inventing a collision.
            ctx.idle = true;
            counts.idle += 1;
            return { ...req, headers: bearer(keys.viewer), body: IDLE };
          }
          const target = item.stage === 'STAGING' ? 'PRODUCTION' : 'STAGING';
          Object.assign(ctx, { item, target, bot, idle: false, requestId: null });
          return {
            ...req,
            headers: bearer(keys.contributors[bot]),
            body: json(REQUEST, { input: { name: item.name, version: item.version, toStage: target, comment: 'bench' } }),
          };
        },
        onResponse(_status, body, context, headers) {
          const ctx = context as Ctx;
          if (ctx.idle || !ctx.item) return;
          sql.request += statementsOf(headers);
          sql.requests += 1;
          const request = settle(body, 'requestStageTransition');
          if (!request) {
            counts.requestErrors += 1;
            free.push(ctx.item);
          } else if (request.status === 'APPROVED') {
            // A policy needing no approval applies the change at once.
            counts.approved += 1;
            free.push({ ...ctx.item, stage: ctx.target! });
          } else {
            ctx.requestId = request.id;
          }
        },
      },
      {
        method: 'POST',
        path: '/graphql',
        setupRequest(req, context) {
          const ctx = context as Ctx;
          if (ctx.idle || !ctx.requestId) return null;
          const approver = keys.approvers[(ctx.bot! + 1) % keys.approvers.length];
          return { ...req, headers: bearer(approver), body: json(APPROVE, { input: { id: ctx.requestId, comment: 'lgtm' } }) };
        },
        onResponse(_status, body, context, headers) {
          const ctx = context as Ctx;
          sql.approve += statementsOf(headers);
          sql.approvals += 1;
          const request = settle(body, 'approveTransitionRequest');
          if (request?.status === 'APPROVED') {
            counts.approved += 1;
            free.push({ ...ctx.item!, stage: ctx.target! });
          } else {
            // The request may still be pending: leave this version out rather than collide.
            counts.approveErrors += 1;
          }
        },
      },
    ],
    probes: [],
    // Two versions per connection, so that no flow waits for a version another one holds.
    maxConnections: Math.max(1, Math.floor(pool.length / 2)),
    reset() {
      Object.assign(counts, { approved: 0, requestErrors: 0, approveErrors: 0, idle: 0 });
      Object.assign(sql, { request: 0, requests: 0, approve: 0, approvals: 0 });
    },
    extra: () => ({
      ...counts,
      versionsFree: free.length,
      statementsPerTransitionRequest: sql.requests ? sql.request / sql.requests : NaN,
      statementsPerApproval: sql.approvals ? sql.approve / sql.approvals : NaN,
    }),
  };
}
