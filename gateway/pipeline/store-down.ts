/**
 * One translation for every stage that reads or writes the state store: a store outage becomes
 * `GW_ERR_STORE_UNAVAILABLE` (rendered by the route's store policy); anything else is a bug and
 * is rethrown as it is. Use as `.catch(storeDown)` or `catch (e) { storeDown(e) }`.
 */
import { createError } from '../errors.js';
import { StoreUnavailableError } from '../store/store.js';

export function storeDown(e: unknown): never {
  if (e instanceof StoreUnavailableError) throw createError('GW_ERR_STORE_UNAVAILABLE');
  throw e;
}
