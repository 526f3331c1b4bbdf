import { badInput } from './errors';

/** The lifecycle stages of a model version; the same strings in GraphQL and the database. */
export type Stage = 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED';

/** Every stage, in the order the API lists them (latestVersions, policies). */
export const STAGES: readonly Stage[] = ['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED'];

/** Only promotions to these stages may archive the versions already there (MLflow's rule). */
const ARCHIVING_TARGETS: ReadonlySet<Stage> = new Set<Stage>(['STAGING', 'PRODUCTION']);

export function canArchiveExisting(target: Stage): boolean {
  return ARCHIVING_TARGETS.has(target);
}

export interface StageChangeCommand {
  toStage: Stage;
  archiveExistingVersions: boolean;
}

/**
 * The input checks every stage change shares (request or direct): a change must change the
 * stage, and only STAGING and PRODUCTION promotions may archive the versions already there.
 */
export function validateStageChange(current: Stage, command: StageChangeCommand): void {
  if (command.toStage === current) {
    throw badInput(`The version is already in ${current}`, { field: 'toStage' });
  }
  if (command.archiveExistingVersions && !canArchiveExisting(command.toStage)) {
    throw badInput(`archiveExistingVersions only applies to STAGING and PRODUCTION, not ${command.toStage}`, {
      field: 'archiveExistingVersions',
    });
  }
}

/**
 * The versions a promotion moves to ARCHIVED: with archiveExistingVersions, every other version
 * of the model that is in the target stage now.
 */
export function versionsToArchive<V extends { id: number; stage: Stage }>(
  versions: readonly V[],
  promotedId: number,
  command: StageChangeCommand,
): V[] {
  if (!command.archiveExistingVersions || !canArchiveExisting(command.toStage)) return [];
  return versions.filter((v) => v.id !== promotedId && v.stage === command.toStage);
}

/** The stages `latestVersions` lists, in stage order; all four when none are given. */
export function latestStages(stages: readonly string[] | null | undefined): Stage[] {
  if (!stages || stages.length === 0) return [...STAGES];
  return STAGES.filter((s) => stages.includes(s));
}

/** Orders a model's newest-per-stage versions by stage: NONE, STAGING, PRODUCTION, ARCHIVED. */
export function byStageOrder<T extends { stage: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => STAGES.indexOf(a.stage as Stage) - STAGES.indexOf(b.stage as Stage));
}
