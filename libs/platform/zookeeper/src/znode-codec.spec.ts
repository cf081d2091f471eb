import { z } from 'zod';
import { ZnodeCodec, ZnodeCodecError } from './znode-codec';

const codec = new ZnodeCodec('greeting', { 1: z.object({ schemaVersion: z.literal(1), text: z.string() }) }, 1);

describe('ZnodeCodec', () => {
  describe('when a value round-trips', () => {
    it('should carry its schema version', () => {
      const bytes = codec.encode({ schemaVersion: 1, text: 'hi' });
      expect(JSON.parse(bytes.toString())).toEqual({ schemaVersion: 1, text: 'hi' });
      expect(codec.decode('/g', bytes)).toEqual({ schemaVersion: 1, text: 'hi' });
    });
  });

  describe('when the payload is not what this reader knows', () => {
    it.each([
      ['an unknown version', '{"schemaVersion":7,"text":"hi"}', /znode \/g: unknown greeting schemaVersion 7 \(this reader knows 1\)/],
      ['no version', '{"text":"hi"}', /unknown greeting schemaVersion undefined/],
      ['the wrong shape', '{"schemaVersion":1,"text":5}', /znode \/g: greeting v1 payload does not match its schema: text:/],
      ['another serializer', '\u00ac\u00ed\u0000\u0005sr', /znode \/g: not JSON/],
      ['an empty node', '', /znode \/g: empty payload/],
    ])('should name the path for %s', (_what, payload, message) => {
      const err = (() => {
        try {
          codec.decode('/g', Buffer.from(payload));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ZnodeCodecError);
      expect((err as Error).message).toMatch(message);
    });
  });
});
