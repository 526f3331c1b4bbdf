import { DomainError } from './errors';
import { canArchiveExisting, validateStageChange, versionsToArchive, type Stage } from './stages';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'THROWN';
  }
}

describe('validateStageChange', () => {
  it.each<[Stage, Stage, boolean, string | null]>([
    ['NONE', 'STAGING', false, null],
    ['NONE', 'STAGING', true, null],
    ['STAGING', 'PRODUCTION', true, null],
    ['PRODUCTION', 'ARCHIVED', false, null],
    ['ARCHIVED', 'NONE', false, null],
    ['NONE', 'NONE', false, 'BAD_USER_INPUT'],
    ['PRODUCTION', 'PRODUCTION', true, 'BAD_USER_INPUT'],
    ['STAGING', 'ARCHIVED', true, 'BAD_USER_INPUT'],
    ['STAGING', 'NONE', true, 'BAD_USER_INPUT'],
  ])('%s -> %s with archive=%s gives %s', (from, to, archive, expected) => {
    expect(codeOf(() => validateStageChange(from, { toStage: to, archiveExistingVersions: archive }))).toBe(expected);
  });

  it('only STAGING and PRODUCTION archive what is there', () => {
    expect((['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED'] as Stage[]).filter(canArchiveExisting)).toEqual(['STAGING', 'PRODUCTION']);
  });
});

describe('versionsToArchive', () => {
  const versions = [
    { id: 1, stage: 'PRODUCTION' as Stage },
    { id: 2, stage: 'PRODUCTION' as Stage },
    { id: 3, stage: 'STAGING' as Stage },
  ];
  it('archives every other version in the target stage', () => {
    expect(versionsToArchive(versions, 3, { toStage: 'PRODUCTION', archiveExistingVersions: true }).map((v) => v.id)).toEqual([1, 2]);
    expect(versionsToArchive(versions, 1, { toStage: 'PRODUCTION', archiveExistingVersions: true }).map((v) => v.id)).toEqual([2]);
  });
  it('archives nothing without the flag or for other targets', () => {
    expect(versionsToArchive(versions, 3, { toStage: 'PRODUCTION', archiveExistingVersions: false })).toEqual([]);
    expect(versionsToArchive(versions, 3, { toStage: 'ARCHIVED', archiveExistingVersions: true })).toEqual([]);
  });
});
