import type { Database, Tx } from '../db/client';
import { findModelByName, type ModelRow } from '../db/repositories/model.repository';
import { countModels, countVersions, modelWhere, pageModels, pageVersions, versionWhere } from '../db/repositories/search.repository';
import { findVersionWithChildren, type VersionRow, type VersionWithChildren } from '../db/repositories/version.repository';
import { badInput } from '../domain/errors';
import { pageSize, type Listing, type Page } from '../domain/paging';
import { validateAlias } from '../domain/registry';
import {
  DEFAULT_MODEL_ORDER,
  DEFAULT_VERSION_ORDER,
  MODEL_ORDER_FIELDS,
  VERSION_ORDER_FIELDS,
  isLookupable,
  modelSearch,
  sortKeys,
  versionSearch,
  type ListArgs,
  type ModelFilterInput,
  type ModelOrderField,
  type VersionFilterInput,
  type VersionOrderField,
} from '../domain/registry-search';

/**
 * Reading the registry: lookups (null when missing) and keyset-paged searches. Each read takes
 * the client to read through: a request's counting client (Database.countingClient) counts its
 * statements without an async context.
 */
export class RegistryService {
  constructor(private readonly db: Database) {}

  findModel(name: string, tx: Tx = this.db.prisma): Promise<ModelRow | null> {
    return isLookupable(name) ? findModelByName(tx, name) : Promise.resolve(null);
  }

  /** By number or by alias (exactly one); null when there is none. */
  async findVersion(
    modelName: string,
    ref: { version?: number | null; alias?: string | null },
    tx: Tx = this.db.prisma,
  ): Promise<VersionRow | null> {
    return (await this.findVersionWith(modelName, ref, { metrics: false, tags: false }, tx))?.version ?? null;
  }

  /** findVersion, with the version's metrics and tags read in the same statement when asked. */
  async findVersionWith(
    modelName: string,
    ref: { version?: number | null; alias?: string | null },
    include: { metrics: boolean; tags: boolean },
    tx: Tx = this.db.prisma,
  ): Promise<VersionWithChildren | null> {
    if ((ref.version == null) === (ref.alias == null)) throw badInput('Give exactly one of version and alias', { field: 'version' });
    if (!isLookupable(modelName)) return null;
    if (ref.version != null) return findVersionWithChildren(tx, modelName, { version: ref.version }, include);
    if (!isValidAlias(ref.alias!)) return null;
    return findVersionWithChildren(tx, modelName, { alias: ref.alias! }, include);
  }

  searchModels(args: ListArgs<ModelFilterInput, ModelOrderField>, tx: Tx = this.db.prisma): Promise<Listing<ModelRow>> {
    const page = { first: pageSize(args.first), after: args.after };
    const keys = sortKeys(args.orderBy, MODEL_ORDER_FIELDS, DEFAULT_MODEL_ORDER);
    const where = modelWhere(this.db.provider, modelSearch(args.filter));
    return this.list(pageModels(tx, where, keys, page), () => countModels(tx, where));
  }

  searchVersions(args: ListArgs<VersionFilterInput, VersionOrderField>, tx: Tx = this.db.prisma): Promise<Listing<VersionRow>> {
    const page = { first: pageSize(args.first), after: args.after };
    const keys = sortKeys(args.orderBy, VERSION_ORDER_FIELDS, DEFAULT_VERSION_ORDER);
    const where = versionWhere(versionSearch(args.filter));
    return this.list(pageVersions(tx, where, keys, page), () => countVersions(tx, where));
  }

  private async list<T>(page: Promise<Page<T>>, count: () => Promise<number>): Promise<Listing<T>> {
    return { page: await page, totalCount: count };
  }
}

function isValidAlias(alias: string): boolean {
  try {
    validateAlias(alias);
    return true;
  } catch {
    return false;
  }
}
