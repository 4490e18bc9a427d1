/** One dispatched Server-Sent Event (the HTML standard's event stream format). */
export interface SseEvent {
  event: string;
  data: string;
  /** The id in force after this event (the last `id:` seen), as a browser's lastEventId. */
  id: string | undefined;
}

/**
 * Parses an event stream fed in arbitrary chunks: lines end with CRLF, LF or CR; a blank
 * line dispatches; `:` lines are comments (heartbeats); `retry:` sets the reconnection
 * delay. Written out because fetch() streams, unlike EventSource, can send the key header.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;
  /** The server's `retry:` in milliseconds, once it sent one. */
  retryMs: number | undefined;

  constructor(lastEventId?: string) {
    this.lastId = lastEventId;
  }

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.eventType = '';
        return undefined;
      }
      const event = {
        event: this.eventType || 'message',
        data: this.data.join('\n'),
        id: this.lastId,
      };
      this.data = [];
      this.eventType = '';
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
