import { SseParser } from '../../web/console/src/sse-parser';

describe("the console's event-stream parser", () => {
  const stream = 'retry: 2000\n\n: heartbeat\n\nevent: alert\nid: 7\ndata: {"a":1}\n\n';

  it('reads events, ids and retry, and skips comments', () => {
    const parser = new SseParser();
    expect(parser.feed(stream)).toEqual([{ event: 'alert', data: '{"a":1}', id: '7' }]);
    expect(parser.retryMs).toBe(2000);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    const whole = new SseParser().feed(stream + 'event: alert\nid: 8\ndata: x\ndata: y\n\n');
    for (let size = 1; size < 12; size++) {
      const parser = new SseParser();
      const events = [];
      for (let at = 0; at < stream.length + 40; at += size) {
        events.push(
          ...parser.feed(
            (stream + 'event: alert\nid: 8\ndata: x\ndata: y\n\n').slice(at, at + size),
          ),
        );
      }
      expect(events).toEqual(whole);
    }
    expect(whole[1]).toEqual({ event: 'alert', data: 'x\ny', id: '8' });
  });

  it('takes CRLF and CR line ends, a CRLF split across chunks included', () => {
    const parser = new SseParser();
    expect(parser.feed('event: alert\r\nid: 3\r\ndata: a\r')).toEqual([]);
    expect(parser.feed('\n\r\n')).toEqual([{ event: 'alert', data: 'a', id: '3' }]);
    // A CR at a chunk's end waits for the next chunk: it may be the first half of a CRLF.
    expect(parser.feed('data: b\r\r')).toEqual([]);
    expect(parser.feed('data: c')).toEqual([{ event: 'message', data: 'b', id: '3' }]);
  });

  it('keeps the id it resumed from until the server sends another', () => {
    const parser = new SseParser('41');
    expect(parser.feed('event: alert\ndata: {}\n\n')).toEqual([
      { event: 'alert', data: '{}', id: '41' },
    ]);
  });

  it('dispatches nothing for a blank line without data', () => {
    expect(new SseParser().feed('event: alert\n\nid: 5\n\n')).toEqual([]);
  });
});
