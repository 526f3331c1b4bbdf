import DataLoader from 'dataloader';
import type { Tx } from '../../db/client';
import {
  countDeliveriesOfWebhooks,
  findDeliveriesByIds,
  findDeliveriesPage,
  findFirstDeliveriesOfWebhooks,
  type DeliveryRow,
  type DeliveryStatus,
} from '../../db/repositories/webhook-delivery.repository';
import { findWebhooksByIds } from '../../db/repositories/webhook.repository';
import type { Page } from '../../domain/paging';
import { indexesByShape, rowLoader, type LoaderOptions } from './loader';
import { encodeCursor } from '../../db/keyset';
import { deliveriesQuery } from '../../db/repositories/webhook-delivery.repository';

/** One webhook's `deliveries(status, first, after)`. */
export interface DeliveryPageKey {
  webhookId: number;
  status: readonly DeliveryStatus[] | null | undefined;
  first: number;
  after: string | null | undefined;
}

const statusKey = (status: DeliveryPageKey['status']) => [...(status ?? [])].sort().join(',');

/**
 * First pages (no `after`) of many webhooks with the same filter and size come from one ranked
 * query; a page after a cursor is one query for its webhook (a client pages one list at a time).
 */
function deliveryPageLoader(db: Tx, options: LoaderOptions): DataLoader<DeliveryPageKey, Page<DeliveryRow>, string> {
  return new DataLoader<DeliveryPageKey, Page<DeliveryRow>, string>(
    async (keys) => {
      const pages: Page<DeliveryRow>[] = new Array<Page<DeliveryRow>>(keys.length);
      const firstPages = keys.map((k, i) => [k, i] as const).filter(([k]) => k.after == null);
      const groups = indexesByShape(
        firstPages.map(([k]) => k),
        (k) => `${statusKey(k.status)}|${k.first}`,
      );
      for (const positions of groups.values()) {
        const group = positions.map((p) => firstPages[p]);
        const { status, first } = group[0][0];
        const webhookIds = [...new Set(group.map(([k]) => k.webhookId))];
        if (webhookIds.length === 1) {
          // One list (the usual `webhook(name) { deliveries }`): a plain keyset page reads `first` rows by index.
          const page = await findDeliveriesPage(db, webhookIds[0], status, { first, after: null });
          for (const [, index] of group) pages[index] = page;
          continue;
        }
        const rows = await findFirstDeliveriesOfWebhooks(db, webhookIds, status, first + 1);
        for (const [key, index] of group) {
          const own = rows.filter((r) => r.webhookId === key.webhookId);
          const query = deliveriesQuery(key.webhookId);
          pages[index] = {
            rows: own.slice(0, first),
            hasNextPage: own.length > first,
            hasPreviousPage: false,
            cursor: (row) => encodeCursor(query.kind, query.keys, row),
          };
        }
      }
      for (const [i, key] of keys.entries()) {
        if (key.after != null) pages[i] = await findDeliveriesPage(db, key.webhookId, key.status, { first: key.first, after: key.after });
      }
      return pages;
    },
    {
      batch: options.batch,
      cache: options.batch,
      cacheKeyFn: (k) => `${k.webhookId}|${statusKey(k.status)}|${k.first}|${k.after ?? ''}`,
    },
  );
}

/** Delivery counts per webhook, one query per distinct status filter. */
function deliveryCountLoader(db: Tx, options: LoaderOptions) {
  return new DataLoader<{ webhookId: number; status: DeliveryPageKey['status'] }, number, string>(
    async (keys) => {
      const counts: number[] = keys.map(() => 0);
      for (const positions of indexesByShape(keys, (k) => statusKey(k.status)).values()) {
        const byWebhook = await countDeliveriesOfWebhooks(
          db,
          positions.map((p) => keys[p].webhookId),
          keys[positions[0]].status,
        );
        for (const p of positions) counts[p] = byWebhook.get(keys[p].webhookId) ?? 0;
      }
      return counts;
    },
    { batch: options.batch, cache: options.batch, cacheKeyFn: (k) => `${k.webhookId}|${statusKey(k.status)}` },
  );
}

export function webhookLoaders(db: Tx, options: LoaderOptions) {
  return {
    webhookById: rowLoader(
      options,
      (ids: readonly number[]) => findWebhooksByIds(db, ids),
      (w) => w.id,
    ),
    deliveryById: rowLoader(
      options,
      (ids: readonly number[]) => findDeliveriesByIds(db, ids),
      (d) => d.id,
    ),
    deliveryPage: deliveryPageLoader(db, options),
    deliveryCount: deliveryCountLoader(db, options),
  };
}
