import { parse } from 'graphql';
import { DocumentCache, documentBytes } from './document-cache';

// Pure: the cache's bound is in bytes a document really holds, comments and all.
describe('the document cache', () => {
  const commented = (i: number) => parse(`{ __typename } #${String(i).padStart(6, '0')}${'a'.repeat(60_000)}`);

  it('counts the query text a document keeps alive, which JSON.stringify leaves out', () => {
    const document = commented(1);
    expect(JSON.stringify(document).length).toBeLessThan(1_000);
    expect(documentBytes(document)).toBeGreaterThan(60_000);
  });

  it('never holds more than its byte bound, evicting the least recently used', async () => {
    const cache = new DocumentCache(1_000_000);
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, commented(i));
    expect(cache.bytes).toBeLessThanOrEqual(1_000_000);
    expect(cache.size).toBeLessThan(17);
    expect(await cache.get('k0')).toBeUndefined();
    expect(await cache.get('k99')).toBeDefined();
  });

  it('keeps what is used: a read moves a document to the back of the queue', async () => {
    const cache = new DocumentCache(3 * documentBytes(commented(0)) + 10);
    await cache.set('a', commented(1));
    await cache.set('b', commented(2));
    await cache.set('c', commented(3));
    await cache.get('a');
    await cache.set('d', commented(4));
    expect(await cache.get('a')).toBeDefined();
    expect(await cache.get('b')).toBeUndefined();
  });

  it('refuses a document larger than the whole cache, and replaces a key in place', async () => {
    const cache = new DocumentCache(10_000);
    await cache.set('big', commented(1));
    expect(cache.size).toBe(0);
    const small = parse('{ __typename }');
    await cache.set('s', small);
    await cache.set('s', small);
    expect([cache.size, cache.bytes]).toEqual([1, documentBytes(small)]);
  });
});
