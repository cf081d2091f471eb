import { listeningUrl } from './app-process';

describe('listeningUrl', () => {
  const tracing =
    '{"level":"info","service":"user-service","sampleRatio":0.1,"url":"http://127.0.0.1:9411","owner":true,"msg":"tracing"}\n';
  const listening =
    '{"level":"info","service":"user-service","url":"http://127.0.0.1:41023","port":41023,"listen":"0.0.0.0","msg":"listening"}\n';

  describe('when a line with another url comes before the listening line', () => {
    it('should wait for the listening line and return its url', () => {
      expect(listeningUrl(tracing)).toBeUndefined();
      expect(listeningUrl(tracing + listening)).toBe('http://127.0.0.1:41023');
    });
  });

  describe('when the listening line is cut mid-write', () => {
    it('should return undefined until its port is in', () => {
      expect(listeningUrl(listening.slice(0, listening.indexOf('"port"')))).toBeUndefined();
    });
  });
});
