/**
 * The shape of the seeded registry, as pure functions of the seed parameters: the seeder writes
 * it and the workloads derive model names, aliases and tag values from it without asking the
 * database.
 */
export interface SeedParams {
  /** Bumped whenever the generated data changes, so `--reuse` never measures stale data. */
  dataset: number;
  models: number;
  versions: number;
  modelTags: number;
  tagsPerVersion: number;
  metricsPerVersion: number;
  aliasesPerModel: number;
}

export function seedParams(models: number, versions: number): SeedParams {
  return { dataset: 1, models, versions, modelTags: 3, tagsPerVersion: 5, metricsPerVersion: 5, aliasesPerModel: 2 };
}

export function sameParams(a: SeedParams, b: SeedParams): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const DOMAINS = [
  'fraud',
  'churn',
  'ranking',
  'vision',
  'speech',
  'pricing',
  'forecast',
  'recsys',
  'search',
  'ads',
  'credit',
  'spam',
];
export const KINDS = ['detector', 'classifier', 'scorer', 'encoder', 'regressor', 'segmenter', 'tagger', 'embedder'];
export const TEAMS = ['risk', 'growth', 'search', 'ads', 'vision', 'speech', 'platform', 'payments'];
const TASKS = ['classification', 'regression', 'ranking', 'generation'];
const TIERS = ['gold', 'silver', 'bronze'];
export const ALIASES = ['champion', 'challenger'];
const VERSION_TAG_KEYS = ['dataset', 'git_sha', 'framework', 'owner', 'notes'];
const METRIC_KEYS = ['accuracy', 'auc', 'f1', 'precision', 'recall'];

/** Model i (0-based): names are unique, and nameContains on a kind matches about 1 in 8. */
export function modelName(i: number): string {
  return `${DOMAINS[i % DOMAINS.length]}-${KINDS[Math.floor(i / DOMAINS.length) % KINDS.length]}-${String(i).padStart(5, '0')}`;
}

export function modelTags(i: number): { key: string; value: string }[] {
  return [
    { key: 'team', value: TEAMS[i % TEAMS.length] },
    { key: 'task', value: TASKS[i % TASKS.length] },
    { key: 'tier', value: TIERS[i % TIERS.length] },
  ];
}

export type StageName = 'NONE' | 'STAGING' | 'PRODUCTION' | 'ARCHIVED';

/**
 * Where version v (1..count) of a model stands: the newest is a fresh candidate, the one before
 * it in STAGING, the one before that in PRODUCTION, three older ones ARCHIVED, the rest NONE.
 */
export function stageOf(v: number, count: number): StageName {
  const age = count - v;
  if (age === 1) return 'STAGING';
  if (age === 2) return 'PRODUCTION';
  if (age >= 3 && age <= 5) return 'ARCHIVED';
  return 'NONE';
}

/** The stage changes that brought a version to its stage, oldest first. */
export function historyOf(stage: StageName): [StageName, StageName][] {
  const path: [StageName, StageName][] = [
    ['NONE', 'STAGING'],
    ['STAGING', 'PRODUCTION'],
    ['PRODUCTION', 'ARCHIVED'],
  ];
  const steps = { NONE: 0, STAGING: 1, PRODUCTION: 2, ARCHIVED: 3 }[stage];
  return path.slice(0, steps);
}

/** The version each alias of a model points to: champion in PRODUCTION, challenger in STAGING. */
export function aliasTargets(count: number): { alias: string; version: number }[] {
  const champion = count >= 3 ? count - 2 : count;
  const challenger = count >= 2 ? count - 1 : count;
  return [
    { alias: ALIASES[0], version: champion },
    { alias: ALIASES[1], version: challenger },
  ];
}

/** A small deterministic PRNG (mulberry32), so the same parameters seed the same data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles in place (Fisher-Yates) with a seeded generator: the same order on every run. */
export function shuffled<T>(items: T[], seed: number): T[] {
  const rnd = random(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export function versionTags(i: number, v: number, rnd: () => number): { key: string; value: string }[] {
  const values = [
    `s3://datasets/${DOMAINS[i % DOMAINS.length]}/2026-${String(1 + (v % 12)).padStart(2, '0')}`,
    Math.floor(rnd() * 0xffffffff)
      .toString(16)
      .padStart(8, '0'),
    ['pytorch', 'xgboost', 'sklearn', 'tensorflow'][(i + v) % 4],
    `${TEAMS[i % TEAMS.length]}-ml`,
    `trained on ${Math.floor(rnd() * 1e6)} rows`,
  ];
  return VERSION_TAG_KEYS.map((key, k) => ({ key, value: values[k] }));
}

export function versionMetrics(rnd: () => number): { key: string; value: number }[] {
  return METRIC_KEYS.map((key) => ({ key, value: Math.round((0.6 + rnd() * 0.39) * 1e4) / 1e4 }));
}

/** How many models get each kind of seeded transition request: a few hundred at the default size. */
export function requestCounts(models: number, versions: number) {
  return {
    pending: Math.ceil(models * 0.3),
    approved: versions >= 3 ? Math.ceil(models * 0.3) : 0,
    rejected: Math.ceil(models * 0.1),
  };
}
