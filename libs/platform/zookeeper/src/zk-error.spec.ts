import { ZkError, isZkError } from './zk-error';

describe('ZkError', () => {
  describe('when built from a result code', () => {
    it('should name the code, the operation and the path', () => {
      const e = new ZkError(-101, 'getData', '/config/app');
      expect(e.message).toBe('getData /config/app: ZNONODE (-101)');
      expect(e.is('ZNONODE')).toBe(true);
      expect(isZkError(e, 'ZNONODE')).toBe(true);
    });

    it.each([
      [-4, true],
      [-7, true],
      [-101, false],
      [-102, false],
      [-110, false],
    ])('code %i should be retryable: %s', (code, retryable) => {
      expect(new ZkError(code, 'op', '/p').retryable).toBe(retryable);
    });
  });
});
