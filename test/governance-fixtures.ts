// Shared set-up of the governance tests: named API keys and versions with metrics, over HTTP.
import {
  CreateModelDocument,
  CreateVersionDocument,
  GovAuditEventsDocument,
  GovRequestTransitionDocument,
  type Stage,
} from './__generated__/graphql';
import { Role } from '../src/domain/roles';
import type { TestApi } from './support/api';

export interface Team {
  bot: string;
  otherBot: string;
  alice: string;
  bob: string;
  carol: string;
  viewer: string;
}

/** A contributor bot, a second contributor, three approvers and a viewer. */
export async function team(api: TestApi, prefix = ''): Promise<Team> {
  return {
    bot: await api.token(`${prefix}bot`, [Role.CONTRIBUTOR]),
    otherBot: await api.token(`${prefix}other-bot`, [Role.CONTRIBUTOR]),
    alice: await api.token(`${prefix}alice`, [Role.APPROVER]),
    bob: await api.token(`${prefix}bob`, [Role.APPROVER]),
    carol: await api.token(`${prefix}carol`, [Role.APPROVER]),
    viewer: await api.token(`${prefix}viewer`, [Role.VIEWER]),
  };
}

/** Creates the model when `versions` is given, then that many versions with these metrics. */
export async function model(api: TestApi, name: string, versions = 1, metrics: Record<string, number> = { accuracy: 0.93 }): Promise<void> {
  await api.data(CreateModelDocument, { input: { name } });
  for (let i = 0; i < versions; i++) {
    await api.data(CreateVersionDocument, {
      input: { name, source: `s3://models/${name}/${i + 1}`, metrics: Object.entries(metrics).map(([key, value]) => ({ key, value })) },
    });
  }
}

/** Requests a transition and returns the request's global id (fails the test on an error). */
export async function request(
  api: TestApi,
  token: string,
  name: string,
  version: number,
  toStage: Stage,
  archiveExistingVersions?: boolean,
): Promise<string> {
  const data = await api.data(GovRequestTransitionDocument, { input: { name, version, toStage, archiveExistingVersions } }, { token });
  return data.requestStageTransition.transitionRequest.id;
}

/** How many audit events there are: a failed mutation must not change it. */
export async function auditCount(api: TestApi): Promise<number> {
  return (await api.data(GovAuditEventsDocument, { first: 0 })).auditEvents.totalCount;
}

/** The audit events of one model, oldest first, with parsed details. */
export async function auditOf(api: TestApi, modelName: string, actions?: string[]) {
  const data = await api.data(GovAuditEventsDocument, { filter: { modelName, actions }, first: 100 });
  return data.auditEvents.edges.map((e) => ({ ...e.node, details: JSON.parse(e.node.details) as Record<string, unknown> })).reverse();
}
