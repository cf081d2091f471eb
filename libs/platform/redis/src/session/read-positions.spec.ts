import { ReadPositions } from './read-positions';
import type { SessionPatch, SessionRecord, SessionStore } from './session-store';

function setup(readPositions: Record<string, string> = {}) {
  const patches: SessionPatch[] = [];
  const store = { patch: async (_h: string, p: SessionPatch) => void patches.push(p) } as unknown as SessionStore;
  const session = { handle: 'h1', readPositions } as unknown as SessionRecord;
  return { positions: new ReadPositions(store, session), patches };
}

const write = (source: string, text: string) => ({ source, position: { isEmpty: () => text === '', toString: () => text } });

describe('ReadPositions', () => {
  it('should answer the positions the session carried, per data source', () => {
    const { positions } = setup({ user_db: '0-1-10' });
    expect(positions.of('user_db')).toBe('0-1-10');
    expect(positions.of('order_db_0')).toBeUndefined();
  });

  it('should store a write’s position in the session and answer it for later reads of the same request', async () => {
    const { positions, patches } = setup({ user_db: '0-1-10' });
    await positions.record(write('order_db_1', '0-3-7'));
    expect(patches).toEqual([{ readPositions: { order_db_1: '0-3-7' } }]);
    expect(positions.of('order_db_1')).toBe('0-3-7');
    expect(positions.of('user_db')).toBe('0-1-10');
  });

  it('should not touch the session for a write that committed nothing (an idempotent replay)', async () => {
    const { positions, patches } = setup();
    await positions.record(write('order_db_0', ''));
    expect(patches).toEqual([]);
  });
});
